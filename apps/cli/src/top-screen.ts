/**
 * One frame of `hypernode-cli top` as lines (no I/O): a title, the workers grouped by node, then the busiest
 * processes. Every line fits the width (cut with '…', never wrapped), and the frame fits the height.
 */
import type { TopProcess, TopSnapshot, TopWorker } from '@hypernode/daemon';
import { formatDuration } from './format';

/** How processes are ordered: by messages in per second, by mailbox, by time in turns per second. */
export type TopSort = 'messages' | 'mailbox' | 'turn';

/** What the frame shows, besides the data. */
export interface TopView {
  cluster: string;
  width: number;
  height: number;
  sort: TopSort;
  /** Only processes whose module contains this (any case). */
  filter: string;
  /** ANSI colour and reverse video. */
  color: boolean;
  /** How many frames were drawn before this one plus one (shown, so a reader can count refreshes). */
  frame: number;
  /** The filter being typed, shown on the last line, or null when not typing. */
  prompt: string | null;
  /** A line about the last refresh that failed, or null. */
  notice: string | null;
  /** Whether the key help is shown (not with `--once`). */
  keys: boolean;
}

const REVERSE = '\x1b[7m';
const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

/** A column: its header, width (0: takes what is left), and whether it aligns right. */
interface Column {
  header: string;
  width: number;
  right?: boolean;
}

/** The lines of one frame (at most `view.height`, each at most `view.width` characters before colour codes). */
export function topLines(s: TopSnapshot, view: TopView): string[] {
  const { width, height } = view;
  const procs = s.processes.length;
  const total = s.workers.reduce((n, w) => n + w.processes, 0);
  const time = new Date(s.at).toISOString().slice(11, 19);
  const title = `hypernode top  cluster '${view.cluster}'  ${time} UTC  #${view.frame}  ${s.workers.length} workers, ${total} processes`;
  const lines: string[] = [paint(fit(title, width), REVERSE, view.color)];
  const workerCols: Column[] = [
    { header: 'WORKER', width: 0 },
    { header: 'NODE', width: 8 },
    { header: 'CPU%', width: 5, right: true },
    { header: 'RSS', width: 6, right: true },
    ...(width >= 90 ? [{ header: 'HEAP', width: 6, right: true }] : []),
    { header: 'LOOP', width: 5, right: true },
    { header: 'PROCS', width: 6, right: true },
    { header: 'BACKLOG', width: 7, right: true },
    { header: 'IN/s', width: 6, right: true },
    { header: 'OUT/s', width: 6, right: true },
    { header: 'DEAD/s', width: 6, right: true },
  ];
  lines.push(row(workerCols, workerCols.map((c) => c.header), width));
  const workers = [...s.workers].sort((a, b) => (a.node ?? '').localeCompare(b.node ?? '') || a.id.localeCompare(b.id));
  for (const w of workers) {
    const line = row(workerCols, workerCells(w, width >= 90), width);
    lines.push(w.stalled ? paint(line, RED, view.color) : w.draining ? paint(line, YELLOW, view.color) : line);
  }
  const filter = view.filter.toLowerCase();
  const shown = s.processes.filter((p) => filter === '' || p.module.toLowerCase().includes(filter)).sort(order(view.sort));
  const sortName = { messages: 'IN/s', mailbox: 'MAILBOX', turn: 'TURN' }[view.sort];
  const filterText = view.filter ? `, module ~ '${view.filter}'` : '';
  lines.push('', fit(`busiest processes by ${sortName}${filterText}: ${shown.length} of ${procs} listed`, width));
  // A process's name starts with its worker's id: the WORKER column is left out when the width is short.
  const wide = width >= 100;
  const procCols: Column[] = [
    { header: 'NAME', width: 0 },
    { header: 'MODULE', width: 12 },
    { header: 'VER', width: 3, right: true },
    ...(wide ? [{ header: 'WORKER', width: 14 }] : []),
    { header: 'IN/s', width: 6, right: true },
    { header: 'MAILBOX', width: 7, right: true },
    { header: 'TURN', width: 6, right: true },
    { header: 'AGE', width: 7, right: true },
  ];
  lines.push(row(procCols, procCols.map((c) => c.header), width));
  // The last line is for the keys, the prompt or a notice.
  const room = Math.max(0, height - lines.length - 1);
  for (const p of shown.slice(0, room)) lines.push(row(procCols, processCells(p, wide), width));
  while (lines.length < height - 1) lines.push('');
  const status =
    view.prompt !== null
      ? `filter by module (Enter to apply, Esc to cancel): ${view.prompt}_`
      : view.notice !== null
        ? view.notice
        : view.keys
          ? 'm/b/t sort by messages/mailbox/turn time   / or f filter by module   q quit'
          : '';
  if (height > lines.length) lines.push(view.notice !== null && view.prompt === null ? paint(fit(status, width), RED, view.color) : fit(status, width));
  return lines.slice(0, height);
}

function workerCells(w: TopWorker, heap: boolean): string[] {
  // The state goes first, so a cut id still shows it.
  const mark = w.stalled ? 'STALLED ' : w.draining ? 'DRAINING ' : '';
  return [
    `${mark}${w.id}`,
    w.node ?? '-',
    w.cpuPercent.toFixed(1),
    bytes(w.rssBytes),
    ...(heap ? [bytes(w.heapUsedBytes)] : []),
    w.eventLoopDelayMs.toFixed(1),
    count(w.processes),
    count(w.backlog),
    rate(w.msgsInPerSec),
    rate(w.msgsOutPerSec),
    rate(w.deadLettersPerSec),
  ];
}

function processCells(p: TopProcess, wide: boolean): string[] {
  return [p.name, p.module, p.version ?? '-', ...(wide ? [p.worker] : []), rate(p.msgsInPerSec), count(p.mailbox), p.turnMsPerSec.toFixed(1), formatDuration(Math.max(0, p.ageMs))];
}

/** The order of processes for `sort`, ties by the others, then by name. */
function order(sort: TopSort): (a: TopProcess, b: TopProcess) => number {
  const keys: ((p: TopProcess) => number)[] =
    sort === 'mailbox'
      ? [(p) => p.mailbox, (p) => p.msgsInPerSec, (p) => p.turnMsPerSec]
      : sort === 'turn'
        ? [(p) => p.turnMsPerSec, (p) => p.msgsInPerSec, (p) => p.mailbox]
        : [(p) => p.msgsInPerSec, (p) => p.mailbox, (p) => p.turnMsPerSec];
  return (a, b) => {
    for (const k of keys) {
      const d = k(b) - k(a);
      if (d !== 0) return d;
    }
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  };
}

/** One line of cells under `cols`, separated by a space; the flexible column takes what the others leave. */
function row(cols: Column[], cells: string[], width: number): string {
  const fixed = cols.reduce((n, c) => n + c.width, 0) + cols.length - 1;
  const flex = Math.max(6, width - fixed);
  const parts = cols.map((c, i) => {
    const w = c.width || flex;
    const text = fit(cells[i] ?? '', w);
    return c.right ? text.padStart(w) : text.padEnd(w);
  });
  return fit(parts.join(' ').trimEnd(), width);
}

/** `text` cut to `width` characters, its last one '…' when cut. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function paint(text: string, code: string, color: boolean): string {
  return color ? `${code}${text}${RESET}` : text;
}

/** A count in at most 6 characters: 999999, 1.2M. */
function count(n: number): string {
  return n < 1_000_000 ? String(n) : `${(n / 1_000_000).toFixed(1)}M`;
}

/** A rate in at most 6 characters: 0, 12.5, 12345, 123k, 1.2M. */
function rate(n: number): string {
  if (n === 0) return '0';
  if (n < 100) return n.toFixed(1);
  if (n < 100_000) return String(Math.round(n));
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** Bytes in at most 6 characters: 512B, 96.4M, 2.1G. */
function bytes(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 100 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
}
