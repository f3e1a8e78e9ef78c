/** The chaos suite's results: one per round, and the table per fault kind it prints. */
import type { Fault } from './schedule';

/** What one round (one fault) measured and which of its checks failed. */
export interface RoundResult {
  fault: Fault;
  note: string;
  /** Links of the workload (one direction each). */
  links: number;
  /** Over the live links (both ends alive at the end): messages sent, delivered once, lost, duplicated, reordered. */
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Peers the fault ended (on a lost worker, or children of a keeper on one). */
  ended: number;
  /** Ended peers whose living parent was told once, more than once, never. */
  told: number;
  toldTwice: number;
  notTold: number;
  /** Milliseconds from the fault to each parent's CHILD_PROCESS_EXIT. */
  toldMs: number[];
  /** Milliseconds from the end of the fault (what it stopped started again) until the cluster was back at full size (NaN: it was not). */
  fullMs: number;
  /** Dead letters and bad frames the workers counted during the round. */
  deadLetters: number;
  badFrames: number;
  failures: string[];
}

/** The `p` quantile (0..1) of `values` (nearest rank), or NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const ms = (n: number) => (Number.isNaN(n) ? '-' : String(Math.round(n)));

/** The results as a table, one row per fault kind, with a total row. */
export function formatTable(results: RoundResult[]): string {
  const kinds = [...new Set(results.map((r) => r.fault.kind))];
  const header = ['fault', 'count', 'sent', 'delivered', 'lost', 'dup', 'reord', 'ended', 'told', 'told 2x', 'not told', 'told p50/max ms', 'full size p50/max ms', 'dead letters', 'bad frames', 'failures'];
  const rows = [...kinds, 'total'].map((kind) => {
    const rs = kind === 'total' ? results : results.filter((r) => r.fault.kind === kind);
    const sum = (f: (r: RoundResult) => number) => rs.reduce((n, r) => n + f(r), 0);
    const told = rs.flatMap((r) => r.toldMs);
    const full = rs.map((r) => r.fullMs);
    const fullStr = full.some((n) => Number.isNaN(n)) ? `NOT BACK (${full.filter((n) => Number.isNaN(n)).length})` : `${ms(percentile(full, 0.5))}/${ms(Math.max(...full))}`;
    return [
      kind,
      String(rs.length),
      String(sum((r) => r.sent)),
      String(sum((r) => r.delivered)),
      String(sum((r) => r.lost)),
      String(sum((r) => r.duplicated)),
      String(sum((r) => r.reordered)),
      String(sum((r) => r.ended)),
      String(sum((r) => r.told)),
      String(sum((r) => r.toldTwice)),
      String(sum((r) => r.notTold)),
      told.length ? `${ms(percentile(told, 0.5))}/${ms(Math.max(...told))}` : '-',
      fullStr,
      String(sum((r) => r.deadLetters)),
      String(sum((r) => r.badFrames)),
      String(sum((r) => r.failures.length)),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
