import type { Argv } from 'yargs';
import { CliError } from '../cli-error';
import { clusterOptions, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { toJson } from '../json';

/** The options of `hypernode-cli kill`, as parsed. */
export interface KillOptions extends ClusterOptions {
  name: string;
  reason?: string;
}

/** Declares the `kill` command's positional arguments and options. */
export function killOptions(yargs: Argv): Argv<KillOptions> {
  return clusterOptions(
    yargs
      .positional('name', { type: 'string', demandOption: true, describe: "The process's name, or a name it registered" })
      .positional('reason', { type: 'string', describe: "The exit reason its parent receives (default 'killed'; 'normal' and 'shutdown' are not crashes)" }),
  )
    .example('$0 kill web-3-w1-m1x0a9:42', "End that process with reason 'killed'; its children end too")
    .example('$0 kill web-3-w1-m1x0a9:42 shutdown', 'End it as a clean shutdown (a supervisor does not count it as a crash)')
    .strict() as unknown as Argv<KillOptions>;
}

/**
 * `hypernode-cli kill <name> [reason]`: ends a process as if it called `exit(reason)`: its
 * `processWillExit` runs, its descendants end, its parent gets `CHILD_PROCESS_EXIT`. Rejects when no such
 * process runs, and for the root process.
 */
export async function kill(options: KillOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const reason = options.reason ?? 'killed';
  await withCluster(options, timeoutMs(options, 10_000), async (client, cluster) => {
    if (!(await client.kill(options.name, reason))) {
      throw new CliError(`No process '${options.name}' in cluster '${cluster}' (it ended, or the name is misspelt); list the running ones with 'hypernode-cli ps'.`);
    }
  });
  if (options.json) io.out(toJson({ killed: options.name, reason }));
  else io.out(`killed '${options.name}' (reason: ${reason})`);
  return 0;
}
