import type { Argv } from 'yargs';
import { CliError } from '../cli-error';
import { clusterOptions, once, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { toJson } from '../json';

/** The options of `hypernode-cli move`, as parsed. */
export interface MoveOptions extends ClusterOptions {
  name: string;
  to?: string;
}

/** Declares the `move` command's positional argument and options. */
export function moveOptions(yargs: Argv): Argv<MoveOptions> {
  return clusterOptions(
    yargs
      .positional('name', { type: 'string', demandOption: true, describe: "The process's name, or a name it registered" })
      .option('to', { type: 'string', requiresArg: true, describe: "The worker to move it to (see 'hypernode-cli status'); default: the least-loaded other worker" }),
    'How long to wait for the cluster daemon, in ms (default 40000: the move waits for the process to finish its turn)',
  )
    .example('$0 move web-3-w1-m1x0a9:42', 'Move that process to the least-loaded other worker')
    .example('$0 move cache --to web-4-w2-m1x0b1', "Move the process registered as 'cache' to that worker")
    .strict() as unknown as Argv<MoveOptions>;
}

/** Checks `move`'s arguments before connecting; a {@link CliError} naming the bad one. */
export function checkMoveArguments(options: Pick<MoveOptions, 'name' | 'to'>): void {
  once('--to', options.to);
  if (typeof options.name !== 'string' || options.name.trim() === '') {
    throw new CliError("The <name> argument is empty; give a process's name or a name it registered (see 'hypernode-cli ps').");
  }
  if (options.to !== undefined && (typeof options.to !== 'string' || options.to.trim() === '' || options.to.includes(':'))) {
    throw new CliError(`--to '${String(options.to)}' is not a worker id; give one from 'hypernode-cli status' (a worker id has no ':'), or leave --to out for the least-loaded worker.`);
  }
}

/**
 * `hypernode-cli move <name> [--to <worker>]`: moves a live process, between two of its messages, to another worker
 * with its state, mailbox, links, monitors, names and timers; its name keeps working. Prints where it went and how
 * long it was paused. Fails (exit 1) when the process does not exist, refused to move (its `processWillMove`), cannot
 * move, or the target is unknown, draining or its own worker.
 */
export async function move(options: MoveOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  checkMoveArguments(options);
  const outcome = await withCluster(options, timeoutMs(options, 40_000), async (client) => {
    io.progress(`moving '${options.name}' to ${options.to !== undefined ? `worker '${options.to}'` : 'the least-loaded other worker'}`);
    const result = await client.move(options.name, options.to !== undefined ? { to: options.to } : {});
    if (!result.moved) throw new CliError(`Process '${result.name}' did not move (${result.reason}): ${result.message.replace(/\.$/, '')}.`);
    return result;
  });
  if (options.json) io.out(toJson(outcome));
  else io.out(`moved '${outcome.name}' from worker '${outcome.from}' to '${outcome.to}' (paused ${outcome.pauseMs} ms)`);
  return 0;
}
