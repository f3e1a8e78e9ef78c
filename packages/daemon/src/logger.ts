import type { Logger } from '@hypernode/core';

/**
 * A daemon's logger: one line per event, `<ISO time> <level> [<tag>] <message>`, info to stdout and the rest
 * to stderr; debug lines only when `HYPERNODE_DEBUG` is set. Messages never carry credentials: the adapters
 * mask them and the daemons print hosts only.
 */
export function daemonLogger(tag: string): Logger {
  const line = (level: string, m: string) => `${new Date().toISOString()} ${level} [${tag}] ${m}`;
  return {
    debug: (m) => {
      if (process.env.HYPERNODE_DEBUG) process.stderr.write(`${line('debug', m)}\n`);
    },
    info: (m) => void process.stdout.write(`${line('info ', m)}\n`),
    warn: (m) => void process.stderr.write(`${line('warn ', m)}\n`),
    error: (m) => void process.stderr.write(`${line('error', m)}\n`),
  };
}
