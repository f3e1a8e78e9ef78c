import { silentLogger, type Logger } from '@hypernode/core';
import { daemonLogger, logLevelFromEnv, secretsOf } from '@hypernode/daemon';

type Env = Record<string, string | undefined>;

/**
 * The CLI's logger: with `--verbose`, pino on stderr (JSON unless stderr is a terminal; level `debug`, or
 * `HYPERNODE_LOG_LEVEL` when set) with the passwords of `urls` and the cluster secret kept out; without it, silent
 * (results and errors are printed by the commands themselves).
 */
export function cliLogger(verbose: boolean | undefined, bindings: { cluster?: string }, urls: string[], env: Env = process.env): Logger {
  if (!verbose) return silentLogger;
  const level = env.HYPERNODE_LOG_LEVEL !== undefined ? logLevelFromEnv(env) : 'debug';
  return daemonLogger({ role: 'cli', ...bindings }, { level, stderr: true, secrets: secretsOf(urls, env) });
}
