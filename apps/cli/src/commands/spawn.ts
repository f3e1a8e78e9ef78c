import type { Argv } from 'yargs';
import type { SpawnOptions as ClientSpawnOptions } from '@hypernode/daemon';
import { clusterOptions, once, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { parseJsonArgument, toJson } from '../json';
import { checkMaxMailbox } from '@hypernode/core/runtime';

/** The options of `hypernode-cli spawn`, as parsed. */
export interface SpawnOptions extends ClusterOptions {
  module: string;
  stateJson?: string;
  worker?: string;
  maxMailbox?: number;
}

/** Declares the `spawn` command's positional arguments and options. */
export function spawnOptions(yargs: Argv): Argv<SpawnOptions> {
  return clusterOptions(
    yargs
      .positional('module', { type: 'string', demandOption: true, describe: "A loaded module (see 'hypernode-cli modules')" })
      .positional('state-json', { type: 'string', describe: 'The initial state, as JSON (default: none, the module decides)' })
      .option('worker', { type: 'string', requiresArg: true, describe: "Run it on this worker instead of where the scheduler would put it (see 'hypernode-cli status')" })
      .option('max-mailbox', { type: 'number', requiresArg: true, describe: "Bound its mailbox to this many messages: more are refused (dead letters 'mailbox-full'; see 'hypernode-cli dead-letters')" }),
  )
    .example('$0 spawn HttpServer \'{"port":3000}\'', "Start an HttpServer process as a child of the root; prints its name")
    .example('$0 spawn Pong --worker web-3-w1-m1x0a9 --json', 'Start a Pong on that worker; prints {"name": ..., "module": ...}')
    .example('$0 spawn Consumer --max-mailbox 10000', 'Start a Consumer whose mailbox holds at most 10000 messages')
    .strict() as unknown as Argv<SpawnOptions>;
}

/**
 * `hypernode-cli spawn <Module> [state-json]`: spawns a child of the root process and prints its name.
 * Rejects when the state is not JSON (before connecting), when the module is not loaded (the message lists
 * the loaded ones), or when no worker runs.
 */
export async function spawn(options: SpawnOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const stateText = once('[state-json]', options.stateJson);
  const state = stateText === undefined ? undefined : parseJsonArgument('The [state-json] argument', stateText, '{"port":3000}');
  const worker = once('--worker', options.worker);
  const maxMailbox = once('--max-mailbox', options.maxMailbox);
  const spawnOptions: ClientSpawnOptions = worker === undefined ? {} : { worker };
  if (maxMailbox !== undefined) spawnOptions.maxMailbox = checkMaxMailbox(maxMailbox, 'The --max-mailbox option');
  const name = await withCluster(options, timeoutMs(options, 10_000), (client) => client.spawn(options.module, state, spawnOptions));
  if (options.json) io.out(toJson({ name, module: options.module }));
  else io.out(name);
  return 0;
}
