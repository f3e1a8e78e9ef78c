/**
 * `hypernode-cli top` and `dead-letters` against a real cluster (hypernode-cluster and hypernode-node as OS
 * processes, on this machine's RabbitMQ and Redis). `top` runs in a real pseudo-terminal: a tmux session of its
 * own (its own server socket), 80x24, read with `tmux capture-pane`.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type ClusterClient, type DeadLetterRecord, type TopSnapshot } from '@hypernode/daemon';
import { clusterName, deleteTestCluster, startClusterProcess, startNodeProcess, type DaemonProcess } from '../../../packages/daemon/src/test-support';
import { repoRoot, startCli } from './test-cli';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const cluster = clusterName();
/** This file's own tmux server, so that no other tmux on the machine is touched. */
const socket = `hn-top-${randomUUID().slice(0, 8)}`;
let clusterDaemon: DaemonProcess;
let nodeDaemon: DaemonProcess;
let client: ClusterClient;
let dir: string;

const probe = `/** @hypernode-module TopProbe **/
import { Process } from 'hypernode';

/** Idles; counts what it receives. */
export default class TopProbe extends Process<{ n: number }> {
  override processDidReceiveMessage(state: { n: number }) {
    return { n: state.n + 1 };
  }
}
`;

function tmux(...args: string[]): Promise<string> {
  return run('tmux', ['-L', socket, '-f', '/dev/null', ...args]).then((r) => r.stdout);
}

/** The pane's text now. */
function screen(): Promise<string> {
  return tmux('capture-pane', '-p', '-t', 'top');
}

/**
 * Polls the pane (each poll is a tmux round trip, no fixed sleep) until `match` accepts its text; resolves with that
 * text, or fails after 40 s showing the screen.
 */
async function screenUntil(match: (text: string) => boolean, what: string): Promise<string> {
  let text = '';
  for (const deadline = Date.now() + 40_000; Date.now() < deadline; ) {
    text = await screen();
    if (match(text)) return text;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`the screen never showed ${what}; it shows:\n${text}`);
}

/** The frame number in the title line (`#12`). */
function frameOf(text: string): number {
  const m = text.match(/^hypernode top .* #(\d+) /m);
  return m ? Number(m[1]) : -1;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hypernode-top-'));
  await writeFile(join(dir, 'probe.ts'), probe);
  clusterDaemon = await startClusterProcess(cluster);
  nodeDaemon = await startNodeProcess(cluster, 'n1', 1);
  client = await connectCluster({ cluster });
  await client.load(join(dir, 'probe.ts'));
}, 90_000);

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await client?.stop();
  await nodeDaemon?.stop();
  await clusterDaemon?.stop();
  await deleteTestCluster(cluster);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 90_000);

describe('hypernode-cli top', () => {
  it('--once --json prints a snapshot: the cluster daemon and the node’s worker, and the busiest processes', async () => {
    const name = await client.spawn('TopProbe', { n: 0 });
    for (let i = 0; i < 10; i++) client.send(name, { type: 'TICK' });
    const r = await startCli(['top', '--once', '--json'], { HYPERNODE_CLUSTER: cluster }).finished();
    expect(r.code).toBe(0);
    const snap = JSON.parse(r.out.join('\n')) as TopSnapshot;
    expect(snap.at).toEqual(expect.any(Number));
    expect(snap.workers.map((w) => w.node)).toEqual([null, 'n1']);
    const w = snap.workers[1]!;
    expect(w).toMatchObject({ pid: expect.any(Number), draining: false, stalled: false, processes: expect.any(Number) });
    expect(w.rssBytes).toBeGreaterThan(0);
    expect(w.heapUsedBytes).toBeGreaterThan(0);
    const p = snap.processes.find((x) => x.name === name);
    expect(p).toMatchObject({ module: 'TopProbe', version: '1', worker: w.id, mailbox: expect.any(Number), ageMs: expect.any(Number) });
    await client.kill(name, 'normal');
  });

  it('--once prints one frame of at most 80x24 without colour or escape codes when stdout is not a terminal', async () => {
    const r = await startCli(['top', '--once'], { HYPERNODE_CLUSTER: cluster }).finished();
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(new RegExp(`^hypernode top {2}cluster '${cluster}' .* #1 {2}2 workers`));
    expect(r.out.length).toBeLessThanOrEqual(24);
    for (const l of r.out) expect(l.length).toBeLessThanOrEqual(80);
    expect(r.out.join('\n')).not.toContain('\x1b');
  });

  it('in an 80x24 terminal shows a process spawned after it started within two refreshes, filters by module, and q restores the terminal', async () => {
    // After top, the shell prints its exit status and stays (a dead pane would hide the cursor whatever top did).
    const command = `env HYPERNODE_CLUSTER=${cluster} ${process.execPath} --import tsx ${main} top --interval 0.5; echo "top exited with $?"; exec sleep 600`;
    await tmux('new-session', '-d', '-s', 'top', '-x', '80', '-y', '24', '-c', repoRoot, command);
    await screenUntil((t) => frameOf(t) >= 1, 'the first frame');
    // Filter by module: '/', the text, Enter.
    await tmux('send-keys', '-t', 'top', '/', 'TopProbe', 'Enter');
    await screenUntil((t) => t.includes("module ~ 'TopProbe'"), 'the filter applied');
    const before = frameOf(await screen());
    const name = await client.spawn('TopProbe', { n: 0 });
    const text = await screenUntil((t) => t.includes(name), `'${name}'`);
    expect(frameOf(text)).toBeLessThanOrEqual(before + 2);
    const lines = text.replace(/\n$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines.find((l) => l.includes(name))).toMatch(/TopProbe +1 /);

    await tmux('send-keys', '-t', 'top', 'q');
    const after = await screenUntil((t) => t.includes('top exited with'), 'top exiting');
    // Exited with 0, the alternate screen left (the frame is gone), the cursor shown again.
    expect(after).toContain('top exited with 0');
    expect(after).not.toContain('hypernode top');
    expect((await tmux('display-message', '-p', '-t', 'top', '#{alternate_on} #{cursor_flag}')).trim()).toBe('0 1');
    await client.kill(name, 'normal');
  }, 120_000);
});

describe('hypernode-cli dead-letters', () => {
  it('prints a message sent to a process that ended, with its sender, target and reason; --json too', async () => {
    const name = await client.spawn('TopProbe', { n: 0 });
    await client.kill(name, 'normal');
    // Its worker remembers the exit (connectCluster's exits(), the admin request the dashboard uses too).
    expect((await client.exits({ limit: 50 })).find((e) => e.name === name)).toMatchObject({ module: 'TopProbe', kind: 'normal', reason: 'normal', parent: 'root:1' });
    client.send(name, { type: 'LATE' }, 'test-sender');
    // The worker drops it once it arrives: wait for the record through the API the command uses.
    let letters: DeadLetterRecord[] = [];
    while (!letters.some((l) => l.to === name)) letters = await client.deadLetters({ limit: 10 });
    const r = await startCli(['dead-letters'], { HYPERNODE_CLUSTER: cluster }).finished();
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^TIME \(UTC\) +WORKER +FROM +TO +REASON$/);
    expect(r.out.find((l) => l.includes(name))).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +\\S+ +test-sender +${name.replace('.', '\\.')} +no-process$`));
    const j = await startCli(['dead-letters', '--json', '--limit', '5'], { HYPERNODE_CLUSTER: cluster }).finished();
    const list = JSON.parse(j.out.join('\n')) as DeadLetterRecord[];
    expect(list.length).toBeLessThanOrEqual(5);
    expect(list.find((l) => l.to === name)).toMatchObject({ from: 'test-sender', reason: 'no-process', worker: expect.any(String), at: expect.any(Number) });
  });

  it('--follow prints a dead letter that happens after it started, and exits 0 on SIGINT', async () => {
    const cli = startCli(['dead-letters', '--follow', '--interval', '0.2'], { HYPERNODE_CLUSTER: cluster });
    await cli.line(/^TIME \(UTC\)/);
    const name = await client.spawn('TopProbe', { n: 0 });
    await client.kill(name, 'normal');
    client.send(name, { type: 'LATER' }, 'follow-sender');
    await cli.line(new RegExp(`follow-sender +${name.replace('.', '\\.')} +no-process`));
    cli.child.kill('SIGINT');
    const r = await cli.finished();
    expect(r.code).toBe(0);
  });

  it('refuses a bad --limit with a sentence naming it', async () => {
    const r = await startCli(['dead-letters', '--limit', '0'], { HYPERNODE_CLUSTER: cluster }).finished();
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/--limit must be a whole number from 1 to 10000; got 0/);
  });
});
