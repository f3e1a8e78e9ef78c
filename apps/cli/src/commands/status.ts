import type { Argv } from 'yargs';
import { plural, type ClusterStatus } from '@hypernode/daemon';
import { clusterOptions, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { formatBytes, formatDuration } from '../format';
import { toJson } from '../json';
import { table } from '../table';

/** The options of `hypernode-cli status`, as parsed. */
export type StatusOptions = ClusterOptions;

/** Declares the `status` command's options. */
export function statusOptions(yargs: Argv): Argv<StatusOptions> {
  return clusterOptions(yargs)
    .example('$0 status', "Show the cluster daemon, the nodes and every worker's load of cluster 'default'")
    .example('$0 status --cluster prod --json', 'The same for cluster prod, as JSON')
    .strict();
}

/**
 * `hypernode-cli status`: the cluster daemon, its nodes, and one line per worker with its processes,
 * backlog, counters and load (`--json` has every counter). A worker that did not answer in time shows
 * `no answer`.
 */
export async function status(options: StatusOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const s = await withCluster(options, timeoutMs(options, 10_000), (client) => client.status());
  if (options.json) io.out(toJson(s));
  else for (const line of statusLines(s, Date.now())) io.out(line);
  return 0;
}

/** The human form of a {@link ClusterStatus}. */
export function statusLines(s: ClusterStatus, now: number): string[] {
  const processes = s.workers.reduce((n, w) => n + (w.stats?.processes ?? w.load?.processes ?? 0), 0);
  const lines = [
    `cluster '${s.cluster}': root process '${s.root}', cluster daemon pid ${s.daemon.pid} on ${s.daemon.host}, up ${formatDuration(now - s.daemon.startedAt)}`,
    `${plural(s.nodes.length, 'node')}, ${plural(s.workers.length, 'worker')}, ${plural(processes, 'process', 'processes')} on workers`,
  ];
  if (s.rebalancer) lines.push(`rebalancer on: ${plural(s.rebalancer.movesLastMinute, 'move')} in the last minute (at most ${s.rebalancer.maxMovesPerMinute}); ${s.rebalancer.moved} moved, ${s.rebalancer.notMoved} refused or failed since the daemon started`);
  if (s.workers.length === 0) {
    lines.push('', `no worker is running; start a node daemon with 'hypernode-node --cluster ${s.cluster}'`);
    return lines;
  }
  lines.push(
    '',
    ...table(
      ['WORKER', 'NODE', 'PID', 'STATE', 'PROCESSES', 'BACKLOG', 'DELIVERED', 'CRASHED', 'DEAD LETTERS', 'LOOP DELAY', 'RSS', 'HEAP', 'UP'],
      s.workers.map((w) => [
        w.id,
        w.node,
        w.pid,
        w.stalledForMs != null ? `stalled ${formatDuration(w.stalledForMs)}` : w.draining ? 'draining' : w.stats ? 'up' : 'no answer',
        w.stats?.processes ?? w.load?.processes,
        w.stats?.backlog ?? w.load?.backlog,
        w.stats?.delivered,
        w.stats?.crashed,
        w.stats?.deadLetters,
        w.load ? `${w.load.eventLoopDelayMs.toFixed(1)} ms` : null,
        w.load ? formatBytes(w.load.rssBytes) : null,
        w.stats?.memory ? `${Math.round(w.stats.memory.ratio * 100)}%` : null,
        formatDuration(now - w.startedAt),
      ]),
    ),
  );
  return [...lines, ...mailboxLines(s), ...stallLines(s, now), ...forgedLines(s), ...deliveryLines(s)];
}

/** A line per worker whose delivery layer sent frames again (lost with a connection or a broker restart; design 028). */
function deliveryLines(s: ClusterStatus): string[] {
  const out: string[] = [];
  for (const w of s.workers) {
    const resent = w.stats?.framesResent ?? 0;
    if (resent > 0) {
      const waiting = w.stats?.framesUnacked ?? 0;
      out.push(`worker '${w.id}' sent ${plural(resent, 'frame')} to other workers again since it started (not acknowledged in time: lost with a connection or a broker restart, then delivered once); ${waiting} await an acknowledgement now`);
    }
  }
  return out.length ? ['', ...out] : out;
}

/**
 * A line per worker with mailboxes at or over its warning size (how many, and the largest), and per worker whose
 * memory guard warns (its heap over 70% of its limit) or refuses messages to its largest mailboxes.
 */
export function mailboxLines(s: Pick<ClusterStatus, 'workers'>): string[] {
  const out: string[] = [];
  for (const w of s.workers) {
    const m = w.stats?.mailboxes;
    if (m && m.over > 0 && m.largest) {
      out.push(
        `worker '${w.id}': ${plural(m.over, 'process', 'processes')} with ${m.warnAt} or more messages waiting (its mailbox warning size); the largest, '${m.largest.name}' (${m.largest.module}), holds ${m.largest.size}; see 'hypernode-cli ps'`,
      );
    }
    const mem = w.stats?.memory;
    if (mem && mem.level !== 'ok') {
      const heap = `${Math.round(mem.ratio * 100)}% of its heap limit (${formatBytes(mem.heapUsed)} of ${formatBytes(mem.heapLimit)})`;
      out.push(
        mem.level === 'shed'
          ? `worker '${w.id}' uses ${heap}: messages to ${mem.shedding.map((n) => `'${n}'`).join(', ') || 'its largest mailboxes'} are refused (dead letters 'heap-full') until it is back under its warning ratio`
          : `worker '${w.id}' uses ${heap}, over its memory guard's warning ratio; find what grows with 'hypernode-cli ps'`,
      );
    }
  }
  return out.length ? ['', ...out] : out;
}

/** A line per worker that dropped frames or events failing the cluster secret's check. */
function forgedLines(s: ClusterStatus): string[] {
  const out: string[] = [];
  for (const w of s.workers) {
    const n = w.stats?.forgedFrames ?? 0;
    if (n > 0) {
      out.push(`worker '${w.id}' dropped ${plural(n, 'forged frame')} (they failed the cluster secret's check: forged, replayed, or sent by a member without the secret; see docs/security.md)`);
    }
  }
  return out.length ? ['', ...out] : out;
}

/**
 * A line per worker whose event loop seems stuck now (its node daemon kills it at the stall limit), and per
 * worker that reported a blocked run of its loop, naming the processes whose turns ran in it.
 */
function stallLines(s: ClusterStatus, now: number): string[] {
  const out: string[] = [];
  for (const w of s.workers) {
    if (w.stalledForMs != null) {
      const node = s.nodes.find((n) => n.id === w.node);
      const limit = typeof node?.meta.stallLimitMs === 'number' ? `; its node kills and replaces it at ${formatDuration(node.meta.stallLimitMs)}` : '';
      out.push(`worker '${w.id}' is stalled: silent for ${formatDuration(w.stalledForMs)} (its event loop is blocked)${limit}`);
    }
    const last = w.stall?.lastStall;
    if (last) {
      const who = last.processes.map((p) => `'${p.name}' (${p.module})`).join(', ');
      out.push(`worker '${w.id}' last blocked its event loop for ${last.ms} ms, ${formatDuration(now - last.at)} ago, in the turn of ${last.processes.length > 1 ? 'one of ' : ''}${who}`);
    }
  }
  return out.length ? ['', ...out] : out;
}
