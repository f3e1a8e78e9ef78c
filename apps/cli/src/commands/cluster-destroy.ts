import { createInterface } from 'node:readline/promises';
import type { Argv } from 'yargs';
import { destroyCluster, maskUrl, plural, type DestroyPlan, type DestroyReport } from '@hypernode/daemon';
import { CliError } from '../cli-error';
import { clusterOptions, connectionSettings, once, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { toJson } from '../json';

/** The options of `hypernode-cli cluster destroy`, as parsed. */
export interface ClusterDestroyOptions extends ClusterOptions {
  name: string;
  yes?: boolean;
  managementUrl?: string;
}

/** Declares the `cluster destroy` command's positional argument and options. */
export function clusterDestroyOptions(yargs: Argv): Argv<ClusterDestroyOptions> {
  return clusterOptions(yargs.positional('name', { type: 'string', demandOption: true, describe: 'The name of the stopped cluster to destroy' }))
    .option('yes', { alias: 'y', type: 'boolean', describe: 'Do not ask for confirmation (needed when stdin is not a terminal)' })
    .option('management-url', {
      type: 'string',
      requiresArg: true,
      describe: `RabbitMQ's management API, to list every queue of the cluster; env HYPERNODE_MANAGEMENT_URL (default: http://<AMQP host>:15672 with the AMQP URL's user and password)`,
    })
    .hide('cluster')
    .hide('timeout')
    .hide('max-message-bytes')
    .hide('progress')
    .example('$0 cluster destroy demo', "Ask, then delete stopped cluster demo's queues, exchange and Redis keys")
    .example('$0 cluster destroy demo --yes --json', 'The same without asking (for scripts), printing what was removed as JSON')
    .strict() as unknown as Argv<ClusterDestroyOptions>;
}

/** How the command asks: resolves with the line typed. Tests pass their own. */
export type Ask = (question: string) => Promise<string>;

const terminalAsk: Ask = async (question) => {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
};

/**
 * `hypernode-cli cluster destroy <name>`: deletes a stopped cluster's queues, events exchange and Redis keys
 * (see `destroyCluster`). Asks for the cluster's name on a terminal unless `--yes`; refuses without `--yes` when
 * stdin is not a terminal, and refuses a running cluster, saying what runs and how to stop it.
 */
export async function clusterDestroy(
  options: ClusterDestroyOptions,
  io: CommandIo = terminalIo(options),
  ask: Ask | undefined = process.stdin.isTTY ? terminalAsk : undefined,
): Promise<number> {
  const name = options.name;
  const given = once('--cluster', options.cluster);
  if (given !== undefined && given !== name) {
    throw new CliError(`--cluster '${given}' and the cluster to destroy '${name}' differ; give the name once, as the argument.`);
  }
  const conn = connectionSettings({ ...options, cluster: name });
  if (!options.yes && !ask) {
    throw new CliError(`Refusing to destroy cluster '${name}' without confirmation: stdin is not a terminal; pass --yes to destroy it without asking.`);
  }
  const managementUrl = once('--management-url', options.managementUrl) ?? process.env.HYPERNODE_MANAGEMENT_URL;
  const confirm = options.yes
    ? undefined
    : async (plan: DestroyPlan) => {
        io.err(`Cluster '${name}' is stopped. Destroying it deletes, on RabbitMQ at '${maskUrl(conn.amqpUrl)}', ${describePlan(plan)}, and on Redis at '${maskUrl(conn.redisUrl)}' every key under 'hypernode:${name}:' (modules, names, values).`);
        const typed = await ask!(`Type the cluster's name (${name}) to destroy it: `);
        return typed.trim() === name;
      };
  let report: DestroyReport;
  try {
    report = await destroyCluster({ cluster: name, amqpUrl: conn.amqpUrl, redisUrl: conn.redisUrl, connectTimeoutMs: conn.connectTimeoutMs, managementUrl, confirm });
  } catch (err) {
    if (err instanceof Error && /is running, so it was not destroyed/.test(err.message)) throw new CliError(err.message);
    throw err;
  }
  if (!report.confirmed) {
    io.err(`Cluster '${name}' was not destroyed: the name typed did not match.`);
    return 1;
  }
  if (options.json) io.out(toJson(report));
  else {
    io.out(`destroyed cluster '${name}': ${plural(report.queues.length, 'queue')} (${plural(report.messages, 'message')} in them), ${plural(report.exchanges.length, 'exchange')}, ${plural(report.keys, 'Redis key')}`);
    if (report.unchecked) io.err(`hypernode-cli: note: ${report.unchecked}.`);
  }
  return 0;
}

function describePlan(plan: DestroyPlan): string {
  const queues = plan.listedBy === 'management' ? plural(plan.queues.length, 'queue') : `${plural(plan.queues.length, 'queue')} found by name`;
  return `${queues} (${plural(plan.messages, 'message')} in them) and ${plural(plan.exchanges.length, 'exchange')}`;
}
