import { setTimeout as delay } from 'node:timers/promises';
import type { Argv } from 'yargs';
import { plural, processes as processCount, type ClusterStatus } from '@hypernode/daemon';
import { CliError } from '../cli-error';
import { clusterOptions, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { toJson } from '../json';
import { evacuationText } from './workers-remove';

/** The options of `hypernode-cli nodes remove`, as parsed. */
export interface NodesRemoveOptions extends ClusterOptions {
  node: string;
}

/** How often the drain is checked. */
const POLL_MS = 250;

/** Declares the `nodes remove` command's positional argument and options. */
export function nodesRemoveOptions(yargs: Argv): Argv<NodesRemoveOptions> {
  return clusterOptions(yargs.positional('node', { type: 'string', demandOption: true, describe: "The node daemon's id (see 'hypernode-cli nodes')" }), 'How long to wait for the node to leave, in ms (default 60000)')
    .example('$0 nodes remove web-3', "Move node web-3's processes to the other nodes, drain it and wait until it has left")
    .example('$0 nodes remove web-3 --progress 2> drain.log', 'The same, reporting each step on stderr even when it is not a terminal')
    .strict() as unknown as Argv<NodesRemoveOptions>;
}

interface Drain {
  workers: string[];
  processes: number;
}

/**
 * `hypernode-cli nodes remove <node>`: drains a node daemon. Its workers' processes first move to the other nodes'
 * workers (evacuation); those that refuse or cannot move (all of them when no other worker is left) end with
 * `'shutdown'` (each runs `processWillExit`; parents get `CHILD_PROCESS_EXIT`); then its workers exit, then the node
 * daemon exits. Prints both counts. Reports progress while the node's workers and processes go, and resolves once the node is no
 * longer a member of the cluster. Rejects when the node is unknown or has not left within `--timeout`.
 */
export async function nodesRemove(options: NodesRemoveOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const node = options.node;
  const waitMs = timeoutMs(options, 60_000);
  const result = await withCluster(options, 10_000, async (client, cluster) => {
    const before = await client.status();
    if (!before.nodes.some((n) => n.id === node)) {
      throw new CliError(
        `Node '${node}' is not a live node of cluster '${cluster}'; live nodes: ${before.nodes.map((n) => n.id).join(', ') || '(none)'}. List them with 'hypernode-cli nodes'.`,
      );
    }
    const start = drainOf(before, node);
    io.progress(`draining node '${node}': moving the ${processCount(start.processes)} of its ${plural(start.workers.length, 'worker')} to the other nodes first`);
    const evacuation = await client.removeNode(node);
    io.progress(`node '${node}': ${evacuationText(evacuation)}; its workers stop now`);
    const deadline = Date.now() + waitMs;
    let last = '';
    for (;;) {
      const now = await client.status();
      const left = drainOf(now, node);
      if (!now.nodes.some((n) => n.id === node) && left.workers.length === 0) break;
      const line = `draining node '${node}': ${plural(left.workers.length, 'worker')}, ${processCount(left.processes)} left`;
      if (line !== last) io.progress(line);
      last = line;
      if (Date.now() > deadline) {
        throw new CliError(
          `Node '${node}' has not left cluster '${cluster}' within ${waitMs} ms of being asked to drain (${plural(left.workers.length, 'worker')}, ${processCount(left.processes)} left); see its log, or wait longer with --timeout.`,
        );
      }
      await delay(POLL_MS);
    }
    io.progress(`node '${node}' has left the cluster`);
    return { node, workers: start.workers, processes: start.processes, moved: evacuation.moved, ended: evacuation.ended, refused: evacuation.refused, failed: evacuation.failed, targets: evacuation.targets };
  });
  if (options.json) io.out(toJson(result));
  else io.out(`removed node '${node}': ${plural(result.workers.length, 'worker')} stopped, ${evacuationText(result)}`);
  return 0;
}

/** The workers of `node` in a status, and the processes they host (as far as they answered). */
function drainOf(status: ClusterStatus, node: string): Drain {
  const workers = status.workers.filter((w) => w.node === node);
  return { workers: workers.map((w) => w.id), processes: workers.reduce((n, w) => n + (w.stats?.processes ?? 0), 0) };
}
