import type { Argv } from 'yargs';
import { HypernodeError } from '@hypernode/core';
import { CliError } from '../cli-error';
import { clusterOptions, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { parseJsonArgument, toJson } from '../json';
import { findProcess } from '../process-lookup';

/** The options of `hypernode-cli call`, as parsed. */
export interface CallOptions extends ClusterOptions {
  name: string;
  message: string;
}

/** Declares the `call` command's positional arguments and options. */
export function callOptions(yargs: Argv): Argv<CallOptions> {
  return clusterOptions(
    yargs
      .positional('name', { type: 'string', demandOption: true, describe: "The process's name, or a name it registered" })
      .positional('message', { type: 'string', demandOption: true, describe: 'The request, as JSON' }),
    'How long to wait for the reply, in ms (default 5000)',
  )
    .example('$0 call web-3-w1-m1x0a9:42 \'{"type":"GET"}\'', 'Send a request and print the reply (the process answers with reply())')
    .example('$0 call counter \'{"type":"GET"}\' --timeout 20000', 'The same to a registered name, waiting up to 20 s')
    .strict() as unknown as Argv<CallOptions>;
}

/**
 * `hypernode-cli call <name> <json>`: sends a request to a running process, waits for its `reply()` and
 * prints the reply as JSON. Rejects when the request is not JSON (before connecting), when no such process
 * runs, or when no reply came within `--timeout` (default 5000 ms, as OTP's `gen_server:call`).
 */
export async function call(options: CallOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const message = parseJsonArgument('The <message> argument', options.message, '{"type":"GET"}');
  const replyMs = timeoutMs(options, 5000);
  const reply = await withCluster(options, Math.max(replyMs, 10_000), async (client, cluster) => {
    const p = await findProcess(client, cluster, options.name);
    try {
      return await client.call(p.name, message, replyMs);
    } catch (err) {
      if (HypernodeError.is(err, 'CALL_TIMEOUT')) {
        throw new CliError(`${p.module} '${p.name}' did not reply within ${replyMs} ms; make sure its module calls reply() for this message, or wait longer with --timeout.`);
      }
      throw err;
    }
  });
  io.out(toJson(reply));
  return 0;
}
