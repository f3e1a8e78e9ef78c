import type { Argv } from 'yargs';
import { consoleLogger, createCluster, type EmbeddedCluster, type Inbox, type LoadedModule, type Logger } from '@hypernode/core';
import { CliError } from '../cli-error';
import { cliLogger } from '../cli-logger';
import { CliRoot, type TopLevelExit, type WatchMessage } from '../cli-root';
import { displayPath, formatReason, isCleanExit } from '../format';
import { watchStopSignals } from '../signals';
import { plural } from '@hypernode/daemon';

/** The options of `hypernode-cli run`, as parsed. */
export interface RunOptions {
  files: string[];
  spawn: string;
  state?: string;
  workers?: number;
  /** `--verbose`: the embedded cluster logs with pino on stderr (debug and up) instead of plain lines. */
  verbose?: boolean;
}

/** Where `run` writes: `out` for progress lines (stdout), `err` for notices (stderr). */
export interface RunIo {
  out(line: string): void;
  err(line: string): void;
  logger: Logger;
}

const defaultIo: RunIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  logger: consoleLogger,
};

/** Declares the `run` command's positional arguments and options. */
export function runOptions(yargs: Argv): Argv<RunOptions> {
  return yargs
    .positional('files', {
      type: 'string',
      array: true,
      default: undefined,
      describe: 'Module files to load (TypeScript or JavaScript), in order',
    })
    .option('spawn', {
      alias: 's',
      type: 'string',
      demandOption: true,
      requiresArg: true,
      describe: 'Module to spawn once the files are loaded',
    })
    .option('state', {
      type: 'string',
      requiresArg: true,
      describe: "The spawned process's initial state, as JSON (default {})",
    })
    .option('workers', {
      alias: 'w',
      type: 'number',
      requiresArg: true,
      describe: 'Simulated workers in the embedded cluster (1-256; default 2)',
    })
    .example("$0 run examples/http-server/*.ts --spawn HttpServer --state '{\"port\":3000}'", 'Run the HTTP server example on port 3000')
    .strict() as unknown as Argv<RunOptions>;
}

/** Parses `--state`; a clear one-line error when it is not JSON. */
export function parseState(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `--state is not valid JSON (${(err as Error).message}); pass a JSON value, for example --state '{"port":3000}' (quote it for your shell).`,
    );
  }
}

/** Checks `--workers`. */
export function parseWorkers(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 256) {
    throw new CliError(`--workers must be a whole number from 1 to 256; got ${String(value)}.`);
  }
  return value;
}

/** The value of a flag that may be given once (yargs makes an array of a repeated flag). */
function once<T>(flag: string, value: T | T[]): T {
  if (!Array.isArray(value)) return value;
  throw new CliError(`${flag} was given ${value.length} times (${value.map((v) => String(v)).join(', ')}); give it once.`);
}

/**
 * `hypernode-cli run <files...> --spawn <Module>`: starts an embedded cluster, loads each file, spawns the
 * module as a child of the root process with `--state`, and stays in the foreground. Resolves with the exit
 * code: 0 after SIGINT/SIGTERM (the cluster is stopped first, so every `processWillExit` runs) or when the
 * spawned process exits normally. Rejects (exit code 1) when an option is invalid, a file cannot be loaded,
 * the module is not defined, or the spawned process crashes. A second SIGINT exits at once with 130.
 */
export async function run(options: RunOptions, io: RunIo = defaultIo): Promise<number> {
  const moduleName = once('--spawn', options.spawn);
  const state = parseState(once('--state', options.state));
  const workers = parseWorkers(once('--workers', options.workers));
  const signals = watchStopSignals(
    (signal) => io.err(`${signal} received: stopping the cluster (press Ctrl-C again to exit at once)`),
    (signal) => io.err(`${signal} received again: exiting without waiting for the cluster to stop`),
  );
  // The runtime's timers do not keep Node alive; the CLI stays in the foreground until told to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let cluster: EmbeddedCluster | undefined;
  let inbox: Inbox<TopLevelExit> | undefined;
  const stop = async () => {
    // The watch ends first: processes ended by stop() are not top-level exits to report.
    inbox?.close();
    await cluster?.stop();
  };
  try {
    cluster = await createCluster({ workers, root: CliRoot, logger: options.verbose && io === defaultIo ? cliLogger(true, {}, []) : io.logger });
    io.out(`hypernode-cli: embedded cluster '${cluster.name}' with ${plural(cluster.workerIds.length, 'worker')}`);
    const fromFiles: LoadedModule[] = [];
    for (const file of options.files) {
      if (signals.received) break;
      for (const m of await cluster.load(file)) {
        fromFiles.push(m);
        io.out(`loaded ${m.name} v${m.version} ${m.hash.slice(0, 8)} from ${displayPath(m.origin ?? file)}`);
      }
    }
    if (signals.received) {
      await stop();
      io.out('stopped');
      return 0;
    }

    const known = await cluster.modules();
    if (!known.some((m) => m.name === moduleName)) {
      const builtIn = known.filter((m) => !fromFiles.some((f) => f.name === m.name) && m.name !== CliRoot.moduleName).map((m) => m.name);
      throw new CliError(
        `Module '${moduleName}' is not defined by the files given; loaded modules: ${fromFiles.map((m) => m.name).join(', ') || '(none)'}${builtIn.length ? ` (built in: ${builtIn.join(', ')})` : ''}. Check --spawn, or add the file that defines it.`,
      );
    }

    const watcher = (inbox = cluster.inbox() as Inbox<TopLevelExit>);
    cluster.send(cluster.root, { type: 'WATCH' } satisfies WatchMessage, watcher.name);
    const name = await cluster.spawn(moduleName, state);
    io.out(`spawned ${moduleName} as '${name}'; press Ctrl-C to stop`);

    const outcome = await Promise.race([
      signals.first.then(() => ({ ended: false as const })),
      waitForExit(watcher, name).then((exit) => ({ ended: true as const, err: exit.err })),
    ]);
    await stop();
    if (outcome.ended) {
      const reason = formatReason(outcome.err);
      if (!isCleanExit(outcome.err)) throw new CliError(`${moduleName} '${name}' crashed: ${reason}`);
      io.out(`${moduleName} '${name}' exited: ${reason}`);
    }
    io.out('stopped');
    return 0;
  } finally {
    await stop().catch((err) => io.err(`hypernode-cli: the cluster did not stop cleanly: ${(err as Error).message}`));
    clearInterval(keepAlive);
    signals.dispose();
  }
}

/** Resolves when the root reports that the process `name` ended; never, if the inbox closes first. */
async function waitForExit(inbox: Inbox<TopLevelExit>, name: string): Promise<TopLevelExit> {
  for (;;) {
    try {
      const { message } = await inbox.receiveMatching((r) => r.message.type === 'TOP_LEVEL_EXIT' && r.message.name === name, 2 ** 31 - 1);
      return message;
    } catch (err) {
      if ((err as { code?: string }).code === 'RECEIVE_TIMEOUT') continue;
      return new Promise<never>(() => {});
    }
  }
}
