import type { Argv } from 'yargs';
import type { DeadLetterRecord } from '@hypernode/daemon';
import { CliError } from '../cli-error';
import { clusterOptions, once, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { watchStopSignals } from '../signals';

/** The options of `hypernode-cli dead-letters`, as parsed. */
export interface DeadLettersOptions extends ClusterOptions {
  follow?: boolean;
  limit?: number;
  interval?: number;
}

/** Declares the `dead-letters` command's options. */
export function deadLettersOptions(yargs: Argv): Argv<DeadLettersOptions> {
  return clusterOptions(yargs)
    .option('follow', { alias: 'f', type: 'boolean', describe: 'Keep printing new dead letters until Ctrl-C' })
    .option('limit', { type: 'number', requiresArg: true, describe: 'How many of the last dead letters to print first (default 50, at most 10000; each worker keeps its last 200)' })
    .option('interval', { type: 'number', requiresArg: true, describe: 'With --follow: seconds between polls (default 1)' })
    .example('$0 dead-letters', 'The last 50 messages the cluster dropped: when, on which worker, from, to, why')
    .example('$0 dead-letters --follow --json', 'New dead letters as they come, one JSON object a line')
    .strict() as unknown as Argv<DeadLettersOptions>;
}

/** The header and the columns' widths of the human form. */
const HEADER = ['TIME (UTC)', 'WORKER', 'FROM', 'TO', 'REASON'];
const WIDTHS = [12, 14, 24, 24];

/**
 * `hypernode-cli dead-letters`: the last messages the cluster dropped (each worker keeps its last 200), oldest
 * first; `--follow` polls every `--interval` seconds and prints the new ones until SIGINT or SIGTERM (exit 0).
 * With `--json`, an array (or, with `--follow`, one object a line).
 */
export async function deadLetters(options: DeadLettersOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const limit = limitOf(options);
  const intervalMs = intervalOf(options);
  return withCluster(options, timeoutMs(options, 10_000), async (client) => {
    const first = await client.deadLetters({ limit });
    if (!options.follow) {
      if (options.json) io.out(JSON.stringify(first, null, 2));
      else if (first.length === 0) io.err('no dead letters: no worker has dropped a message it still remembers');
      else for (const line of [deadLetterLine(HEADER), ...first.map(deadLetterRow)]) io.out(line);
      return 0;
    }
    const print = (l: DeadLetterRecord) => io.out(options.json ? JSON.stringify(l) : deadLetterRow(l));
    if (!options.json) io.out(deadLetterLine(HEADER));
    first.forEach(print);
    // Records of the last millisecond seen may be joined by more in that millisecond: `since` includes it, and
    // those already printed are skipped.
    let since = first.at(-1)?.at ?? Date.now();
    // How many records of the millisecond `since` were printed, by content (two dead letters may be alike).
    let seen = countAt(first, since);
    let wake: () => void = () => {};
    const signals = watchStopSignals(() => wake(), () => undefined);
    try {
      while (signals.received === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, intervalMs);
        });
        if (signals.received !== undefined) break;
        const got = await client.deadLetters({ since, limit: 10_000 });
        const skip = new Map(seen);
        const fresh = got.filter((l) => {
          const left = l.at === since ? (skip.get(keyOf(l)) ?? 0) : 0;
          if (left > 0) skip.set(keyOf(l), left - 1);
          return left === 0;
        });
        fresh.forEach(print);
        if (got.length > 0) {
          since = got.at(-1)!.at;
          seen = countAt(got, since);
        }
      }
      return 0;
    } finally {
      signals.dispose();
    }
  });
}

/** One row of the human form. */
export function deadLetterRow(l: DeadLetterRecord): string {
  return deadLetterLine([new Date(l.at).toISOString().slice(11, 23), l.worker, l.from, l.to, l.reason]);
}

function deadLetterLine(cells: string[]): string {
  return cells.map((c, i) => (i < WIDTHS.length ? c.padEnd(WIDTHS[i]!) : c)).join('  ');
}

/** How many records of `list` at millisecond `at` there are, by content. */
function countAt(list: DeadLetterRecord[], at: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const l of list) if (l.at === at) counts.set(keyOf(l), (counts.get(keyOf(l)) ?? 0) + 1);
  return counts;
}

function keyOf(l: DeadLetterRecord): string {
  return `${l.at}\u0000${l.worker}\u0000${l.from}\u0000${l.to}\u0000${l.reason}`;
}

function limitOf(options: DeadLettersOptions): number {
  const value = once('--limit', options.limit);
  if (value === undefined) return 50;
  if (!Number.isInteger(value) || value < 1 || value > 10_000) throw new CliError(`--limit must be a whole number from 1 to 10000; got ${String(value)}.`);
  return value;
}

function intervalOf(options: DeadLettersOptions): number {
  const value = once('--interval', options.interval);
  if (value === undefined) return 1000;
  if (!Number.isFinite(value) || value < 0.2 || value > 3600) throw new CliError(`--interval must be a number of seconds from 0.2 to 3600; got ${String(value)}.`);
  return value * 1000;
}
