import type { Argv } from 'yargs';
import type { ProcessTree } from '@hypernode/daemon';
import { clusterOptions, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { toJson } from '../json';

/** The options of `hypernode-cli tree`, as parsed. */
export type TreeOptions = ClusterOptions;

/** Declares the `tree` command's options. */
export function treeOptions(yargs: Argv): Argv<TreeOptions> {
  return clusterOptions(yargs)
    .example('$0 tree', 'Show the processes of cluster default as a tree under the root process')
    .strict();
}

/**
 * `hypernode-cli tree`: the process tree under the root, one process per line, indented under its parent.
 * A process whose parent is gone or did not answer is shown under the root.
 */
export async function tree(options: TreeOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const root = await withCluster(options, timeoutMs(options, 10_000), (client) => client.tree());
  if (options.json) io.out(toJson(root));
  else for (const line of treeLines(root)) io.out(line);
  return 0;
}

/**
 * The human form of a process tree: `name  Module`, children sorted by name under box-drawing branches;
 * the worker is added when it is not the one the name carries (a relocated process).
 */
export function treeLines(root: ProcessTree): string[] {
  const lines: string[] = [];
  const label = (p: ProcessTree) => `${p.name}  ${p.module}${p.name.startsWith(`${p.worker}:`) ? '' : `  (on ${p.worker})`}`;
  const walk = (p: ProcessTree, prefix: string) => {
    const children = [...p.children].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${label(child)}`);
      walk(child, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  lines.push(label(root));
  walk(root, '');
  return lines;
}
