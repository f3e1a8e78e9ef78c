import type { Argv } from 'yargs';
import { CliError } from '../cli-error';
import { clusterOptions, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { toJson } from '../json';
import { processes as processCount, type Evacuation } from '@hypernode/daemon';

/** The options of `hypernode-cli workers remove`, as parsed. */
export interface WorkersRemoveOptions extends ClusterOptions {
  worker: string;
}

/** Declares the `workers remove` command's positional argument and options. */
export function workersRemoveOptions(yargs: Argv): Argv<WorkersRemoveOptions> {
  return clusterOptions(
    yargs.positional('worker', { type: 'string', demandOption: true, describe: "The worker's id (see 'hypernode-cli status')" }),
    'How long to wait for the cluster daemon, in ms (default 10000)',
  )
    .example('$0 workers remove web-3-w2-m1x0a9', 'Stop that worker for good: its processes move to the other workers first (those that refuse end cleanly), and its node does not replace it')
    .strict() as unknown as Argv<WorkersRemoveOptions>;
}

/**
 * `hypernode-cli workers remove <worker>`: stops a worker for good. Its processes first move to the other workers
 * that are not draining (evacuation); those that refuse (`processWillMove`) or cannot move end with `'shutdown'`
 * (each runs `processWillExit`, parents are told), as all of them do when no other worker is left. Then it exits,
 * and its node daemon does not replace it. Prints both counts once it has exited. Rejects when no live worker has
 * that id.
 */
export async function workersRemove(options: WorkersRemoveOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const id = options.worker;
  const result = await withCluster(options, timeoutMs(options, 10_000), async (client, cluster) => {
    const status = await client.status();
    const worker = status.workers.find((w) => w.id === id);
    if (!worker) {
      throw new CliError(
        `Worker '${id}' is not a live worker of cluster '${cluster}'; live workers: ${status.workers.map((w) => w.id).join(', ') || '(none)'}. List them with 'hypernode-cli status'.`,
      );
    }
    const processes = worker.stats?.processes ?? worker.load?.processes ?? 0;
    io.progress(`stopping worker '${id}'${worker.node ? ` of node '${worker.node}'` : ''}: moving its ${processCount(processes)} to the other workers first`);
    const removal = await client.removeWorker(id);
    if (!removal.removed) {
      throw new CliError(`Node '${worker.node}' does not know worker '${id}' any more (it exited meanwhile?); see 'hypernode-cli status'.`);
    }
    io.progress(`worker '${id}' has stopped`);
    return { worker: id, node: worker.node, processes, moved: removal.moved, ended: removal.ended, refused: removal.refused, failed: removal.failed, targets: removal.targets };
  });
  if (options.json) io.out(toJson(result));
  else io.out(`removed worker '${id}': ${evacuationText(result)}`);
  return 0;
}

/** `3 processes moved to other workers, 1 ended (1 refused, 0 could not move)`, or why none moved. */
export function evacuationText(e: Evacuation): string {
  if (e.targets.length === 0) return `no other worker to move them to, ${processCount(e.ended)} ended`;
  return `${processCount(e.moved)} moved to other workers, ${e.ended} ended (${e.refused} refused, ${e.failed} could not move)`;
}
