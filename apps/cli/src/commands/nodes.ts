import type { Argv } from 'yargs';
import type { NodeSummary } from '@hypernode/daemon';
import { clusterOptions, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { formatBytes, formatDuration } from '../format';
import { toJson } from '../json';
import { table } from '../table';

/** The options of `hypernode-cli nodes`, as parsed. */
export type NodesOptions = ClusterOptions;

/** Declares the `nodes` command's options (its `remove` subcommand is declared by the caller). */
export function nodesOptions(yargs: Argv): Argv<NodesOptions> {
  return clusterOptions(yargs)
    .example('$0 nodes', 'List the node daemons of cluster default and their workers')
    .example('$0 nodes remove web-3', "Drain node web-3: its processes end cleanly, then its workers and the daemon exit");
}

/** `hypernode-cli nodes`: one line per node daemon with its host, pid, machine load and workers. */
export async function nodes(options: NodesOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const list = await withCluster(options, timeoutMs(options, 10_000), (client) => client.nodes());
  if (options.json) io.out(toJson(list));
  else for (const line of nodesLines(list, Date.now())) io.out(line);
  return 0;
}

/** The human form of the node list. */
export function nodesLines(list: NodeSummary[], now: number): string[] {
  if (list.length === 0) return ["no node daemon is running; start one on each machine with 'hypernode-node'"];
  return table(
    ['NODE', 'HOST', 'PID', 'STATE', 'CPUS', 'LOAD', 'FREE MEMORY', 'UP', 'WORKERS'],
    list.map((n) => [
      n.id,
      n.host,
      n.pid,
      n.meta.draining === true ? 'draining' : 'up',
      n.meta.cpus,
      n.meta.loadavg1,
      typeof n.meta.freeMemBytes === 'number' && typeof n.meta.totalMemBytes === 'number'
        ? `${formatBytes(n.meta.freeMemBytes)} of ${formatBytes(n.meta.totalMemBytes)}`
        : null,
      formatDuration(now - n.startedAt),
      n.workers.length ? `${n.workers.length}: ${n.workers.join(', ')}` : '0',
    ]),
  );
}
