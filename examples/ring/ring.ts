/** @hypernode-module Ring **/

import { Process, type Context, type ExitReason } from 'hypernode';
import { checkOrder, type Token } from './token';

export interface RingState {
  /** Processes in the ring, this one included. Default 10. */
  size?: number;
  /** Times each token goes around. Default 10. */
  laps?: number;
  /** Tokens circulating at once, numbered 0..tokens-1. Default 3. */
  tokens?: number;
  /** A process or inbox name told `{ type: 'RING_DONE', hops, ... }` when every token has done its laps. */
  notify?: string;
  /** Do not print the summary line. */
  quiet?: boolean;
  /** Set by the process. */
  first?: string;
  expect?: number;
  retired?: number;
  hops?: number;
  startedAt?: number;
}

type Incoming = Token | { type: 'CHILD_PROCESS_EXIT'; payload: { err: ExitReason } };

/**
 * A ring of `size` processes: this one and `size - 1` `RingNode` children, each forwarding to the next,
 * the last one back here. It sends `tokens` numbered tokens around `laps` times. Every member checks that
 * tokens reach it in their number order, which holds only if each pair of neighbours keeps FIFO order.
 * When every token is back for the last time it reports the total hops (`size × laps × tokens`) and exits.
 */
export default class Ring extends Process<RingState, Incoming> {
  override processWillRun(state: RingState, { spawn, send, getProcessName, now }: Context<RingState>): RingState {
    const size = state.size ?? 10;
    const laps = state.laps ?? 10;
    const tokens = state.tokens ?? 3;
    for (const [key, value] of Object.entries({ size, laps, tokens })) {
      if (!Number.isInteger(value) || value < 1) throw new TypeError(`Ring needs a whole ${key} >= 1; got ${String(value)}.`);
    }
    // Spawn from the end of the ring back to its start, so each node knows its successor from birth.
    let next = getProcessName();
    for (let index = size - 1; index >= 1; index--) next = spawn('RingNode', { index, next, tokens });
    for (let seq = 0; seq < tokens; seq++) send(next, { type: 'TOKEN', seq, lap: 1, hops: 1 } satisfies Token);
    return { ...state, size, laps, tokens, first: next, expect: 0, retired: 0, hops: 0, startedAt: now() };
  }

  override processDidReceiveMessage(state: RingState, message: Incoming, sender: string, ctx: Context<RingState>): RingState {
    if (message.type === 'CHILD_PROCESS_EXIT') {
      throw new Error(`ring node '${sender}' ended: ${String(message.payload.err)}`);
    }
    const token = message;
    const expect = checkOrder(state.expect!, token, state.tokens!, sender, ctx.getProcessName());
    if (token.lap < state.laps!) {
      ctx.send(state.first!, { ...token, lap: token.lap + 1, hops: token.hops + 1 });
      return { ...state, expect };
    }
    const retired = state.retired! + 1;
    const hops = state.hops! + token.hops;
    if (retired < state.tokens!) return { ...state, expect, retired, hops };
    const { size, laps, tokens } = state;
    if (!state.quiet) console.log(`ring: ${tokens} tokens × ${laps} laps × ${size} processes = ${hops} hops in ${ctx.now() - state.startedAt!} ms`);
    if (state.notify) ctx.send(state.notify, { type: 'RING_DONE', hops, size, laps, tokens });
    ctx.exit();
    return { ...state, expect, retired, hops };
  }
}
