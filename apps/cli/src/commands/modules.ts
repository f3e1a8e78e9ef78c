import type { Argv } from 'yargs';
import type { LoadedModule } from '@hypernode/core';
import { clusterOptions, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { displayPath, shortHash } from '../format';
import { toJson } from '../json';
import { table } from '../table';

/** The options of `hypernode-cli modules`, as parsed. */
export type ModulesOptions = ClusterOptions;

/** Declares the `modules` command's options. */
export function modulesOptions(yargs: Argv): Argv<ModulesOptions> {
  return clusterOptions(yargs)
    .example('$0 modules', 'List the modules loaded in cluster default: name, latest version, hash, source file')
    .strict();
}

/** `hypernode-cli modules`: the latest version of every module of the cluster, built-in ones included. */
export async function modules(options: ModulesOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const list = await withCluster(options, timeoutMs(options, 10_000), (client) => client.modules());
  if (options.json) io.out(toJson(list));
  else for (const line of modulesLines(list)) io.out(line);
  return 0;
}

/** The human form of the module list. */
export function modulesLines(list: LoadedModule[]): string[] {
  return table(
    ['MODULE', 'VERSION', 'HASH', 'SOURCE'],
    list.map((m) => (m.origin === undefined ? [m.name, m.version, '-', '(built in)'] : [m.name, m.version, shortHash(m.hash), displayPath(m.origin)])),
  );
}
