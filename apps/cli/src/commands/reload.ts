import type { Argv } from 'yargs';
import { clusterOptions, timeoutMs, withCluster } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { displayPath, shortHash } from '../format';
import { toJson } from '../json';
import { loadFiles, type LoadOptions, type StoredModule } from './load';

/** The options of `hypernode-cli reload`, as parsed. */
export type ReloadOptions = LoadOptions;

/** Declares the `reload` command's positional argument and options. */
export function reloadOptions(yargs: Argv): Argv<ReloadOptions> {
  return clusterOptions(
    yargs.positional('files', { type: 'string', array: true, demandOption: true, describe: 'Module files (TypeScript or JavaScript) with the new code' }),
    'How long to wait for the cluster daemon, in ms (default 30000)',
  )
    .example('$0 reload src/counter.ts', 'Store a new version of Counter: its running processes keep their state and run the new code from their next message')
    .strict() as unknown as Argv<ReloadOptions>;
}

/** A reloaded module and how many of its processes were running when it was stored. */
export interface ReloadedModule extends Omit<StoredModule, 'file'> {
  processes: number;
}

/**
 * `hypernode-cli reload <files...>`: like `load`, and says for each module which version it replaced and
 * how many running processes switch to the new code (from their next message, keeping their state; a
 * `processWillUpgrade(state, fromVersion)` hook may migrate it). A file that fails to bundle, evaluate or
 * construct stores nothing and leaves the old version running.
 */
export async function reload(options: ReloadOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const reloaded = await withCluster(options, timeoutMs(options, 30_000), async (client) => {
    // A reload replaces on purpose, even a module loaded from another file.
    const stored = await loadFiles(client, options.files, io, () => undefined, true);
    const ps = await client.ps();
    return stored.map(({ file: _file, ...m }): ReloadedModule => ({ ...m, processes: ps.filter((p) => p.module === m.name).length }));
  });
  if (options.json) io.out(toJson(reloaded));
  else for (const m of reloaded) io.out(reloadedLine(m));
  return 0;
}

/** One line per reloaded module: its versions, short hash, file and running processes. */
export function reloadedLine(m: ReloadedModule): string {
  const from = displayPath(m.origin ?? '?');
  const running = `${m.processes} running process${m.processes === 1 ? '' : 'es'}`;
  if (m.previousVersion === null) return `loaded ${m.name} v${m.version} ${shortHash(m.hash)} from ${from} (it was not loaded before)`;
  if (m.previousVersion === m.version) return `${m.name} v${m.version} ${shortHash(m.hash)} from ${from} is unchanged (the same code is already the latest version); ${running}`;
  return `reloaded ${m.name} v${m.previousVersion} -> v${m.version} ${shortHash(m.hash)} from ${from}; ${running} ${m.processes === 1 ? 'switches' : 'switch'} at the next message`;
}
