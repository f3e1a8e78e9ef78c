import type { Argv } from 'yargs';
import { clusterOptions, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { parseJsonArgument, toJson } from '../json';
import { findProcess } from '../process-lookup';

/** The options of `hypernode-cli send`, as parsed. */
export interface SendOptions extends ClusterOptions {
  name: string;
  message: string;
}

/** Declares the `send` command's positional arguments and options. */
export function sendOptions(yargs: Argv): Argv<SendOptions> {
  return clusterOptions(
    yargs
      .positional('name', { type: 'string', demandOption: true, describe: "The process's name, or a name it registered" })
      .positional('message', { type: 'string', demandOption: true, describe: 'The message, as JSON' }),
  )
    .example('$0 send web-3-w1-m1x0a9:42 \'{"type":"INC"}\'', 'Send a message to that process (it arrives in processDidReceiveMessage)')
    .strict() as unknown as Argv<SendOptions>;
}

/**
 * `hypernode-cli send <name> <json>`: sends a message from outside the cluster to a running process and
 * returns once the broker has it; delivery is asynchronous, and nothing is printed back from the process.
 * Rejects when the message is not JSON (before connecting) or when no such process runs.
 */
export async function send(options: SendOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const message = parseJsonArgument('The <message> argument', options.message, '{"type":"PING"}');
  const target = await withCluster(options, timeoutMs(options, 10_000), async (client, cluster) => {
    const p = await findProcess(client, cluster, options.name);
    client.send(p.name, message);
    return p;
  });
  if (options.json) io.out(toJson({ sent: true, to: target.name, module: target.module }));
  else io.out(`sent to '${target.name}' (${target.module})`);
  return 0;
}
