import type { Argv } from 'yargs';
import type { ClusterClient, TopSnapshot } from '@hypernode/daemon';
import { CliError } from '../cli-error';
import { clusterOptions, once, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { oneLine } from '../format';
import { toJson } from '../json';
import { topLines, type TopSort, type TopView } from '../top-screen';

/** The options of `hypernode-cli top`, as parsed. */
export interface TopOptions extends ClusterOptions {
  interval?: number;
  once?: boolean;
  sort?: string;
  filter?: string;
}

const SORTS: Record<string, TopSort> = { messages: 'messages', m: 'messages', mailbox: 'mailbox', b: 'mailbox', turn: 'turn', t: 'turn' };

/** Declares the `top` command's options. */
export function topOptions(yargs: Argv): Argv<TopOptions> {
  return clusterOptions(yargs, 'How long to wait for the cluster daemon each refresh, in ms (default 5000)')
    .option('interval', { type: 'number', requiresArg: true, describe: 'Seconds between refreshes (default 1; at least 0.2)' })
    .option('once', { type: 'boolean', describe: 'Print one frame (80x24 unless the terminal says otherwise) and exit; with --json, the data as JSON' })
    .option('sort', { type: 'string', requiresArg: true, describe: 'Order processes by messages (default), mailbox or turn (time in turns)' })
    .option('filter', { type: 'string', requiresArg: true, describe: 'Show only processes whose module name contains this' })
    .example('$0 top', 'Watch cluster default: workers, then the busiest processes; m/b/t sort, / filters by module, q quits')
    .example('$0 top --once --json', 'One sample as JSON (workers and the busiest processes, with rates over the last interval)')
    .strict() as unknown as Argv<TopOptions>;
}

/** Where `top` draws: the terminal, or (in tests) anything with the same shape. */
export interface TopTerminal {
  readonly out: NodeJS.WriteStream;
  readonly in: NodeJS.ReadStream;
  readonly env: Record<string, string | undefined>;
}

/**
 * `hypernode-cli top`: the cluster live. On a terminal it takes the alternate screen, redraws every `--interval`
 * seconds and reads keys (m, b, t sort; / or f filter by module; q or Ctrl-C quit), and restores the terminal
 * however it ends. With `--once` it prints one frame (or, with `--json`, the snapshot) and exits; when stdout is not
 * a terminal and `--once` is not given, it prints a frame per interval until interrupted.
 */
export async function top(options: TopOptions, term: TopTerminal = { out: process.stdout, in: process.stdin, env: process.env }): Promise<number> {
  const intervalMs = intervalOf(options);
  const sort = sortOf(options.sort);
  const filter = once('--filter', options.filter) ?? '';
  if (options.json && !options.once) throw new CliError('--json needs --once (top --once --json prints one snapshot); for a stream of samples, run it in a loop.');
  return withCluster(options, timeoutMs(options, 5000), async (client, cluster) => {
    const first = await client.top();
    const color = term.out.isTTY === true && !term.env.NO_COLOR;
    const view: TopView = { cluster, width: 80, height: 24, sort, filter, color, frame: 1, prompt: null, notice: null, keys: false };
    if (options.once) {
      if (options.json) term.out.write(`${toJson(first)}\n`);
      else term.out.write(`${topLines(first, { ...view, ...sizeOf(term.out) }).map((l) => l.trimEnd()).join('\n')}\n`);
      return 0;
    }
    if (term.out.isTTY !== true || term.in.isTTY !== true) return batch(client, first, view, intervalMs, term.out);
    return live(client, first, { ...view, keys: true }, intervalMs, term);
  });
}

/** Not a terminal: a frame per interval, one after another, until SIGINT or SIGTERM. */
async function batch(client: ClusterClient, first: TopSnapshot, view: TopView, intervalMs: number, out: NodeJS.WriteStream): Promise<number> {
  let stop = false;
  let wake: () => void = () => {};
  const onSignal = () => {
    stop = true;
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let snapshot = first;
    for (;;) {
      out.write(`${topLines(snapshot, view).map((l) => l.trimEnd()).join('\n')}\n\n`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs);
      });
      if (stop) return 0;
      snapshot = await client.top();
      view.frame++;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The interactive screen; see {@link top}. */
async function live(client: ClusterClient, first: TopSnapshot, view: TopView, intervalMs: number, term: TopTerminal): Promise<number> {
  const { out, in: input } = term;
  let snapshot = first;
  let quit = false;
  let wake: () => void = () => {};
  const draw = () => {
    Object.assign(view, sizeOf(out));
    const lines = topLines(snapshot, view);
    out.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\r\n')}\x1b[J`);
  };
  const onKey = (data: Buffer) => {
    for (const key of data.toString('utf8')) {
      if (view.prompt !== null) {
        if (key === '\r' || key === '\n') [view.filter, view.prompt] = [view.prompt, null];
        else if (key === '\x1b') view.prompt = null;
        else if (key === '\x7f' || key === '\b') view.prompt = view.prompt.slice(0, -1);
        else if (key === '\x03') quit = true;
        else if (key >= ' ') view.prompt += key;
      } else if (key === 'q' || key === 'Q' || key === '\x03') quit = true;
      else if (key === 'm' || key === 'b' || key === 't') view.sort = SORTS[key]!;
      else if (key === '/' || key === 'f') view.prompt = '';
    }
    if (quit) wake();
    else draw();
  };
  const restore = () => {
    input.off('data', onKey);
    if (input.isTTY) input.setRawMode(false);
    input.pause();
    out.write('\x1b[?25h\x1b[?1049l');
  };
  const onSignal = () => {
    quit = true;
    wake();
  };
  const onResize = () => draw();
  out.write('\x1b[?1049h\x1b[?25l\x1b[2J');
  process.on('exit', restore);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  out.on('resize', onResize);
  input.setRawMode(true);
  input.resume();
  input.on('data', onKey);
  try {
    draw();
    while (!quit) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs);
      });
      if (quit) break;
      try {
        snapshot = await client.top();
        view.notice = null;
      } catch (err) {
        view.notice = `no fresh data: ${oneLine((err as Error).message)}`;
      }
      view.frame++;
      draw();
    }
    return 0;
  } finally {
    restore();
    process.off('exit', restore);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    out.off('resize', onResize);
  }
}

/** The terminal's size, or 80x24 when it does not say. */
function sizeOf(out: NodeJS.WriteStream): { width: number; height: number } {
  return { width: out.columns > 0 ? out.columns : 80, height: out.rows > 0 ? out.rows : 24 };
}

function intervalOf(options: TopOptions): number {
  const value = once('--interval', options.interval);
  if (value === undefined) return 1000;
  if (!Number.isFinite(value) || value < 0.2 || value > 3600) throw new CliError(`--interval must be a number of seconds from 0.2 to 3600; got ${String(value)}.`);
  return value * 1000;
}

function sortOf(given: string | undefined): TopSort {
  const value = once('--sort', given);
  if (value === undefined) return 'messages';
  const sort = SORTS[value];
  if (!sort) throw new CliError(`--sort must be messages, mailbox or turn; got '${value}'.`);
  return sort;
}
