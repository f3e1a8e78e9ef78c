import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { HypernodeError, type LoadedModule } from '@hypernode/core';
import type { ClusterClient } from '@hypernode/daemon';
import { clusterOptions, once, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { displayPath, oneLine, shortHash } from '../format';
import { toJson } from '../json';

/** The options of `hypernode-cli load` (and `reload`), as parsed. */
export interface LoadOptions extends ClusterOptions {
  files: string[];
  /** Store a module even when a module of its name is loaded from another file (`load --replace`; `reload` always does). */
  replace?: boolean;
}

/** One module stored by {@link loadFiles}, with what it replaced. */
export interface StoredModule extends LoadedModule {
  /** The file as given on the command line. */
  file: string;
  /** The version that was the latest before, or null for a module that was not loaded. */
  previousVersion: number | null;
}

/** Declares the `load` command's positional argument and options. */
export function loadOptions(yargs: Argv): Argv<LoadOptions> {
  return clusterOptions(
    yargs.positional('files', { type: 'string', array: true, demandOption: true, describe: 'Module files (TypeScript or JavaScript), loaded in order' }),
    'How long to wait for the cluster daemon, in ms (default 30000)',
  )
    .option('replace', {
      type: 'boolean',
      describe: 'Store a module even when a module of its name is loaded from another file (its running processes switch to this code); without it such a load is refused',
    })
    .example('$0 load examples/http-server/http-server.ts examples/http-server/http-server-request-handler.ts', 'Bundle both files here and store their modules in cluster default')
    .strict() as unknown as Argv<LoadOptions>;
}

/**
 * Bundles each file here and stores its modules in the cluster, in order. The cluster daemon evaluates each
 * module and constructs it once before storing anything of a file. Stops at the first file that fails to
 * bundle, evaluate or construct, rejecting with an error naming that file (the files before it stay loaded;
 * the cluster keeps running). Loading code identical to the latest version stores nothing new. Unless `replace`,
 * a file defining a module of the same name as one loaded from another file is refused (`MODULE_INVALID`).
 */
export async function loadFiles(client: ClusterClient, files: string[], io: CommandIo, announce: (m: StoredModule) => void, replace = false): Promise<StoredModule[]> {
  const before = new Map((await client.modules()).map((m) => [m.name, m.version]));
  const stored: StoredModule[] = [];
  for (const file of files) {
    io.progress(`bundling ${file}`);
    let loaded: LoadedModule[];
    try {
      loaded = await client.load(file, { replace });
    } catch (err) {
      throw namingFile(err, file);
    }
    for (const m of loaded) {
      const entry: StoredModule = { ...m, file, previousVersion: before.get(m.name) ?? null };
      before.set(m.name, m.version);
      stored.push(entry);
      announce(entry);
    }
  }
  return stored;
}

/** A load failure that names the file: the loader's and the daemon's messages do (absolute); others get it added. */
function namingFile(err: unknown, file: string): unknown {
  if (!(err instanceof HypernodeError) || !['MODULE_LOAD_FAILED', 'MODULE_INVALID', 'INVALID_ARGUMENT'].includes(err.code)) return err;
  if (err.message.includes(resolve(file)) || err.message.includes(file)) return err;
  return new HypernodeError(err.code, `Cannot load '${file}': ${oneLine(err.message)}`, { cause: err });
}

/** `loaded Name v2 1a2b3c4d from file`, with `(unchanged)` when the code was already the latest version. */
export function loadedLine(m: StoredModule): string {
  const unchanged = m.previousVersion === m.version ? ' (unchanged: the same code is already the latest version)' : '';
  return `loaded ${m.name} v${m.version} ${shortHash(m.hash)} from ${displayPath(m.origin ?? m.file)}${unchanged}`;
}

/** `hypernode-cli load <files...>`: bundles each file here and stores its modules in the cluster. */
export async function load(options: LoadOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const stored = await withCluster(options, timeoutMs(options, 30_000), (client) =>
    loadFiles(
      client,
      options.files,
      io,
      (m) => {
        if (!options.json) io.out(loadedLine(m));
      },
      once('--replace', options.replace) === true,
    ),
  );
  if (options.json) io.out(toJson(stored.map(({ file: _file, ...m }) => m)));
  return 0;
}
