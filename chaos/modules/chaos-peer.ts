/** @hypernode-module ChaosPeer **/
import { Process, type Context } from 'hypernode';

/**
 * What a receiver knows of one sender (by the sender's stable id, not its process name, so a relocated sender is
 * still the same sender): the highest number seen, the numbers skipped below it (not yet arrived), and the counts.
 */
export interface Track {
  /** Highest number received. */
  max: number;
  /** Numbers below `max` that have not arrived, as inclusive ranges [from, to]. */
  gaps: [number, number][];
  /** Messages received (every arrival, duplicates included). */
  received: number;
  /** Arrivals of a number received before. */
  duplicated: number;
  /** Arrivals of a number below `max` that had not arrived yet (late: overtaken by a later one). */
  reordered: number;
  /** The sender's last number, from its END message (null until END arrives). */
  end: number | null;
}

export interface PeerState {
  /** The harness's id for this peer (stable across relocation). */
  id: string;
  /** Process names this peer sends to, with the id each receiver knows it by. */
  targets: string[];
  running: boolean;
  /** A relay sends nothing on its own: it sends one numbered message to each target per message it receives. */
  relay: boolean;
  /** Messages per target per tick, and the tick's period. */
  batch: number;
  tickMs: number;
  /** Messages sent per target (the last number sent). */
  sent: Record<string, number>;
  /** Per sender id. */
  recv: Record<string, Track>;
  /** Messages of a sender id this peer was not told about (foreign frames that got through). */
  unknown: number;
}

type Incoming =
  | { type: 'START'; id: string; targets: string[]; batch: number; tickMs: number; relay?: boolean }
  | { type: 'TICK' }
  | { type: 'SEQ'; from: string; n: number }
  | { type: 'END'; from: string; n: number }
  | { type: 'STOP' }
  | { type: 'REPORT' };

function track(state: PeerState, from: string): Track {
  let t = state.recv[from];
  if (!t) t = state.recv[from] = { max: 0, gaps: [], received: 0, duplicated: 0, reordered: 0, end: null };
  return t;
}

/** Records the arrival of number `n` in `t`. */
export function arrive(t: Track, n: number): void {
  t.received++;
  if (n === t.max + 1) {
    t.max = n;
  } else if (n > t.max + 1) {
    t.gaps.push([t.max + 1, n - 1]);
    t.max = n;
  } else {
    const i = t.gaps.findIndex(([a, b]) => n >= a && n <= b);
    if (i < 0) {
      t.duplicated++;
      return;
    }
    t.reordered++;
    const [a, b] = t.gaps[i]!;
    const parts: [number, number][] = [];
    if (a <= n - 1) parts.push([a, n - 1]);
    if (n + 1 <= b) parts.push([n + 1, b]);
    t.gaps.splice(i, 1, ...parts);
  }
}

/**
 * The chaos suite's counting peer: once told its targets (START), it sends `batch` numbered messages to each of
 * them every `tickMs` (a relay instead sends one to each per message it receives: a pipeline stage), and checks the numbers it receives per sender. STOP ends its sending with an END message
 * (carrying the last number) to each target; REPORT (a call) answers with its counts.
 */
export default class ChaosPeer extends Process<PeerState, Incoming> {
  override processWillRun(state: Partial<PeerState>) {
    return { id: '', targets: [], running: false, relay: false, batch: 1, tickMs: 20, sent: {}, recv: {}, unknown: 0, ...state } as PeerState;
  }

  override processDidReceiveMessage(state: PeerState, message: Incoming, _from: string, ctx: Context<PeerState>) {
    switch (message.type) {
      case 'START': {
        const next = { ...state, id: message.id, targets: message.targets, batch: message.batch, tickMs: message.tickMs, running: true, relay: message.relay === true };
        for (const t of message.targets) next.sent[t] ??= 0;
        if (!next.relay) ctx.sendAfter(ctx.getProcessName(), { type: 'TICK' }, next.tickMs);
        ctx.reply(true);
        return next;
      }
      case 'TICK': {
        if (!state.running) return state;
        for (const to of state.targets) {
          let n = state.sent[to] ?? 0;
          for (let i = 0; i < state.batch; i++) ctx.send(to, { type: 'SEQ', from: state.id, n: ++n });
          state.sent[to] = n;
        }
        ctx.sendAfter(ctx.getProcessName(), { type: 'TICK' }, state.tickMs);
        return state;
      }
      case 'SEQ': {
        if (!state.recv[message.from] && !message.from.startsWith('p')) {
          state.unknown++;
          return state;
        }
        arrive(track(state, message.from), message.n);
        if (state.relay && state.running) {
          for (const to of state.targets) {
            const n = (state.sent[to] ?? 0) + 1;
            ctx.send(to, { type: 'SEQ', from: state.id, n });
            state.sent[to] = n;
          }
        }
        return state;
      }
      case 'END':
        track(state, message.from).end = message.n;
        return state;
      case 'STOP': {
        if (state.running) for (const to of state.targets) ctx.send(to, { type: 'END', from: state.id, n: state.sent[to] ?? 0 });
        ctx.reply({ sent: state.sent });
        return { ...state, running: false };
      }
      case 'REPORT':
        ctx.reply({ id: state.id, name: ctx.getProcessName(), running: state.running, sent: state.sent, recv: state.recv, unknown: state.unknown });
        return state;
    }
    return state;
  }
}
