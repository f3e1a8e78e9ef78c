import { describe, expect, it } from 'vitest';
import type { TopProcess, TopSnapshot, TopWorker } from '@hypernode/daemon';
import { fit, topLines, type TopView } from './top-screen';

const worker = (id: string, over: Partial<TopWorker> = {}): TopWorker => ({
  id,
  node: 'node-with-a-long-name',
  pid: 123,
  cpuPercent: 12.345,
  rssBytes: 96 * 1024 * 1024,
  heapUsedBytes: 40 * 1024 * 1024,
  eventLoopDelayMs: 1.25,
  processes: 1234,
  backlog: 5,
  msgsInPerSec: 123456.7,
  msgsOutPerSec: 99.5,
  deadLettersPerSec: 0,
  draining: false,
  stalled: false,
  ...over,
});

const proc = (i: number, over: Partial<TopProcess> = {}): TopProcess => ({
  name: `n1-w1-abcdef:cluster-root.${i.toString(36)}-with-a-very-long-suffix`,
  module: i % 2 ? 'Counter' : 'HttpRequestHandlerWithALongName',
  version: '3',
  worker: 'n1-w1-abcdef',
  msgsInPerSec: 1000 - i,
  mailbox: i,
  turnMsPerSec: i / 10,
  ageMs: 3_600_000,
  ...over,
});

const snapshot: TopSnapshot = {
  at: Date.UTC(2026, 11, 3, 13, 0, 0),
  workers: [worker('cluster'), worker('n1-w1-abcdef'), worker('n1-w2-0123456789abcdef', { stalled: true }), worker('n2-w1', { draining: true })],
  processes: Array.from({ length: 60 }, (_, i) => proc(i)),
};

const view: TopView = { cluster: 'prod', width: 80, height: 24, sort: 'messages', filter: '', color: false, frame: 3, prompt: null, notice: null, keys: true };

describe('a top frame', () => {
  it('fits 80x24: no line longer than 80 characters, exactly 24 lines, the keys on the last', () => {
    const lines = topLines(snapshot, view);
    expect(lines).toHaveLength(24);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^hypernode top {2}cluster 'prod' {2}13:00:00 UTC {2}#3 {2}4 workers, 4936 processes/);
    expect(lines.at(-1)).toMatch(/^m\/b\/t sort/);
    expect(lines.some((l) => l.startsWith('STALLED n1-w2-0…'))).toBe(true);
    expect(lines.some((l) => l.startsWith('DRAINING n2-w1'))).toBe(true);
  });

  it('has no escape codes without colour, and reverse video and red with it', () => {
    expect(topLines(snapshot, view).join('\n')).not.toContain('\x1b');
    const coloured = topLines(snapshot, { ...view, color: true });
    expect(coloured[0]).toMatch(/^\x1b\[7m/);
    expect(coloured.some((l) => l.startsWith('\x1b[31m'))).toBe(true);
  });

  it('orders processes by the chosen key and filters them by module', () => {
    const byMailbox = topLines(snapshot, { ...view, sort: 'mailbox', filter: 'count' });
    const rows = byMailbox.filter((l) => l.startsWith('n1-w1-abcdef:'));
    expect(rows.length).toBeGreaterThan(5);
    for (const r of rows) expect(r).toContain('Counter');
    const mailboxes = rows.map((r) => Number(r.trim().split(/\s+/).at(-4)));
    expect(mailboxes).toEqual([...mailboxes].sort((a, b) => b - a));
    expect(byMailbox.join('\n')).toContain("module ~ 'count'");
  });

  it('shows the filter being typed, and cuts long names with an ellipsis', () => {
    const lines = topLines(snapshot, { ...view, prompt: 'Cou' });
    expect(lines.at(-1)).toContain('filter by module (Enter to apply, Esc to cancel): Cou_');
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('abc', 4)).toBe('abc');
  });

  it('fits a tiny terminal too', () => {
    const lines = topLines(snapshot, { ...view, width: 30, height: 8 });
    expect(lines).toHaveLength(8);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(30);
  });
});
