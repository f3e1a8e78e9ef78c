/** How `ps` and `status` print bounded mailboxes, the warning size and the memory guard (design 030). */
import { describe, expect, it } from 'vitest';
import type { ClusterStatus } from '@hypernode/daemon';
import { psLines } from './commands/ps';
import { mailboxLines, statusLines } from './commands/status';

const base = { version: 1, parent: 'root:1', worker: 'w1', status: 'waiting' as const, children: 0, names: [] };

describe('bounded mailboxes in the CLI', () => {
  it('ps shows a bound after the mailbox size and marks a mailbox over the warning size, with a line saying what ! means', () => {
    const lines = psLines([
      { ...base, name: 'w1:1', module: 'Plain', mailboxSize: 3, maxMailbox: null, mailboxOver: false },
      { ...base, name: 'w1:2', module: 'Bounded', mailboxSize: 100, maxMailbox: 100, mailboxOver: false },
      { ...base, name: 'w1:3', module: 'Flooded', mailboxSize: 12000, maxMailbox: null, mailboxOver: true },
    ]);
    expect(lines).toEqual([
      'NAME  MODULE   VERSION  WORKER  PARENT  MAILBOX  STATUS',
      'w1:1  Plain    1        w1      root:1  3        waiting',
      'w1:2  Bounded  1        w1      root:1  100/100  waiting',
      'w1:3  Flooded  1        w1      root:1  12000 !  waiting',
      '',
      "! 1 mailbox holds at least its worker's mailbox warning size: those processes receive faster than they handle",
    ]);
  });

  it('status says which workers hold mailboxes over the warning size, and which heaps the memory guard warns of or sheds', () => {
    const now = 1_000_000_000;
    const stats = { processes: 2, spawned: 2, exited: 0, crashed: 0, delivered: 5, sent: 5, deadLetters: 0, deadLettersByReason: {}, exitsByKind: { normal: 0, shutdown: 0, killed: 0, crash: 0 }, badFrames: 0, forgedFrames: 0, backlog: 0 };
    const memory = { heapUsed: 100 * 2 ** 20, heapLimit: 1000 * 2 ** 20, ratio: 0.1, level: 'ok' as const, shedding: [] };
    const worker = { node: 'n1', pid: 10, startedAt: now - 60_000, draining: false, load: null, placesOn: null, stalledForMs: null, stall: null };
    const s: ClusterStatus = {
      cluster: 'c',
      root: 'root:1',
      daemon: { pid: 1, host: 'h', startedAt: now - 60_000 },
      workers: [
        { ...worker, id: 'w1', stats: { ...stats, mailboxes: { warnAt: 10_000, over: 2, largest: { name: 'w1:7', module: 'Consumer', size: 48_211 } }, memory: { ...memory, ratio: 0.75, heapUsed: 750 * 2 ** 20, level: 'warn' } } },
        { ...worker, id: 'w2', stats: { ...stats, mailboxes: { warnAt: 10_000, over: 0, largest: null }, memory: { ...memory, ratio: 0.93, heapUsed: 930 * 2 ** 20, level: 'shed', shedding: ['w2:4'] } } },
        { ...worker, id: 'w3', stats: { ...stats, mailboxes: { warnAt: 10_000, over: 0, largest: null }, memory } },
      ],
      nodes: [],
      members: [],
    };
    expect(mailboxLines(s)).toEqual([
      '',
      "worker 'w1': 2 processes with 10000 or more messages waiting (its mailbox warning size); the largest, 'w1:7' (Consumer), holds 48211; see 'hypernode-cli ps'",
      "worker 'w1' uses 75% of its heap limit (750.0 MiB of 1000.0 MiB), over its memory guard's warning ratio; find what grows with 'hypernode-cli ps'",
      "worker 'w2' uses 93% of its heap limit (930.0 MiB of 1000.0 MiB): messages to 'w2:4' are refused (dead letters 'heap-full') until it is back under its warning ratio",
    ]);
    const lines = statusLines(s, now);
    expect(lines.find((l) => l.startsWith('WORKER'))).toContain('HEAP');
    expect(lines.find((l) => l.startsWith('w3 '))).toContain(' 10% ');
  });
});
