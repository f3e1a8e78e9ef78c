import { setTimeout as delay } from 'node:timers/promises';
import type { Argv } from 'yargs';
import { CliError } from '../cli-error';
import { clusterOptions, once, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { toJson } from '../json';
import { plural } from '@hypernode/daemon';

/** The options of `hypernode-cli workers add`, as parsed. */
export interface WorkersAddOptions extends ClusterOptions {
  node: string;
  n?: number;
}

/** How often the node's workers are checked while new ones start. */
const POLL_MS = 250;

/** Declares the `workers add` command's positional arguments and options. */
export function workersAddOptions(yargs: Argv): Argv<WorkersAddOptions> {
  return clusterOptions(
    yargs
      .positional('node', { type: 'string', demandOption: true, describe: "The node daemon that starts them (see 'hypernode-cli nodes')" })
      .positional('n', { type: 'number', describe: 'How many workers, 1 to 256 (default 1)' }),
    'How long to wait for the new workers, in ms (default 60000)',
  )
    .example('$0 workers add web-3', 'Start one more worker on node web-3 and print its id once it is up')
    .example('$0 workers add web-3 4 --json', 'Start four, print their ids as a JSON array')
    .strict() as unknown as Argv<WorkersAddOptions>;
}

/** Checks the worker count: a whole number from 1 to 256, default 1. */
export function parseWorkerCount(value: number | undefined): number {
  if (value === undefined) return 1;
  if (!Number.isInteger(value) || value < 1 || value > 256) {
    throw new CliError(`The worker count must be a whole number from 1 to 256; got ${String(value)}.`);
  }
  return value;
}

/**
 * `hypernode-cli workers add <node> [n]`: asks node daemon `node` to fork `n` workers and waits until each
 * is up (a live member of the cluster), then prints their ids. Rejects when the node is unknown or draining,
 * or when a new worker did not come up (the node daemon keeps restarting it with backoff, under a new id).
 */
export async function workersAdd(options: WorkersAddOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const node = options.node;
  const n = parseWorkerCount(once('<n>', options.n));
  const waitMs = timeoutMs(options, 60_000);
  const ids = await withCluster(options, waitMs, async (client, cluster) => {
    io.progress(`starting ${n} worker${n === 1 ? '' : 's'} on node '${node}'`);
    // While the node daemon starts them, report each one that joins.
    const seen = new Set((await client.nodes()).find((m) => m.id === node)?.workers ?? []);
    let waiting = true;
    let up = 0;
    const joined = (id: string) => {
      if (!seen.has(id)) io.progress(`worker '${id}' is up (${++up} of ${n})`);
      seen.add(id);
    };
    const watch = (async () => {
      while (waiting && io.showsProgress) {
        await delay(POLL_MS);
        const now = (await client.nodes().catch(() => [])).find((m) => m.id === node)?.workers ?? [];
        if (waiting) now.forEach(joined);
      }
    })();
    let added: string[];
    try {
      added = await client.addWorkers(node, n);
    } finally {
      waiting = false;
      await watch;
    }
    const live = new Set((await client.status()).workers.map((w) => w.id));
    const down = added.filter((id) => !live.has(id));
    if (down.length > 0) {
      throw new CliError(
        `${down.length} of the ${plural(n, 'worker')} started on node '${node}' of cluster '${cluster}' did not come up (${down.join(', ')}); the node daemon restarts them with backoff under new ids: see its log, then 'hypernode-cli status'.`,
      );
    }
    added.forEach(joined);
    return added;
  });
  if (options.json) io.out(toJson(ids));
  else for (const id of ids) io.out(id);
  return 0;
}
