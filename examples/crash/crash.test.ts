import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, silentLogger, type EmbeddedCluster, type Inbox, type Received } from 'hypernode';

const parent = fileURLToPath(new URL('./crash-parent.ts', import.meta.url));
const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

interface Report {
  type: 'CHILD_REPORT' | 'CRASH_DONE';
  mode?: string;
  reason?: string;
  error?: { name: string; message: string } | null;
}

describe('the crash example', () => {
  let cluster: EmbeddedCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  /** An embedded cluster running the example: a CrashParent whose children crash, reporting to the inbox. */
  async function runExample(): Promise<{ cluster: EmbeddedCluster; inbox: Inbox<Report> }> {
    cluster = await createCluster({ workers: 3, logger: silentLogger });
    await cluster.load(parent);
    await cluster.load(child);
    const inbox = cluster.inbox() as Inbox<Report>;
    await cluster.spawn('CrashParent', { notify: inbox.name, quiet: true });
    return { cluster, inbox };
  }

  it('tells the parent why each child ended: an Error as Error: message, a string as itself', async () => {
    const { inbox } = await runExample();
    const received: Received<Report>[] = [];
    for (let i = 0; i < 3; i++) received.push(await inbox.receive());
    const reports = received.map((r) => r.message);
    expect(reports.at(-1)).toEqual({ type: 'CRASH_DONE' });
    const byMode = Object.fromEntries(reports.slice(0, 2).map((r) => [r.mode, r]));
    expect(byMode.throw).toMatchObject({
      reason: 'Error: something went wrong',
      error: { name: 'Error', message: 'something went wrong' },
    });
    expect(byMode.exit).toMatchObject({ reason: 'giving up', error: null });
  });

  it('keeps the rest of the cluster running after the crash', async () => {
    const { cluster, inbox } = await runExample();
    await inbox.receiveMatching((r) => r.message.type === 'CRASH_DONE');
    await cluster.spawn('CrashParent', { notify: inbox.name, quiet: true });
    await inbox.receiveMatching((r) => r.message.type === 'CRASH_DONE');
    const stats = await cluster.stats();
    expect(stats.reduce((n, s) => n + s.crashed, 0)).toBe(4);
  });
});
