/** @hypernode-module Ping **/

import { Process, type Context, type ExitReason } from 'hypernode';

export interface PingState {
  /** Round trips to make. Default 1000. */
  count?: number;
  /** A process or inbox name told `{ type: 'PING_PONG_DONE', count }` when every round trip is done. */
  notify?: string;
  /** Do not print the summary line. */
  quiet?: boolean;
  /** Set by the process: the pong's name, round trips done, when it started. */
  pong?: string;
  done?: number;
  startedAt?: number;
}

type Incoming = { type: 'PONG'; n: number } | { type: 'CHILD_PROCESS_EXIT'; payload: { err: ExitReason } };

/**
 * Spawns a `Pong` and bounces `count` messages with it, one at a time: each `PING` carries a number and
 * the `PONG` must bring the same number back. When done it reports the count and exits normally (which
 * ends the pong too).
 */
export default class Ping extends Process<PingState, Incoming> {
  override processWillRun(state: PingState, { spawn, send, now }: Context<PingState>): PingState {
    const count = state.count ?? 1000;
    if (!Number.isInteger(count) || count < 1) throw new TypeError(`Ping needs a whole count >= 1; got ${String(state.count)}.`);
    const pong = spawn('Pong');
    send(pong, { type: 'PING', n: 1 });
    return { ...state, count, pong, done: 0, startedAt: now() };
  }

  override processDidReceiveMessage(state: PingState, message: Incoming, sender: string, ctx: Context<PingState>): PingState {
    if (message.type === 'CHILD_PROCESS_EXIT') {
      throw new Error(`pong '${sender}' ended after ${state.done} round trips: ${String(message.payload.err)}`);
    }
    const done = state.done! + 1;
    if (message.n !== done) throw new Error(`expected pong ${done}, got ${message.n}`);
    if (done < state.count!) {
      ctx.send(sender, { type: 'PING', n: done + 1 });
      return { ...state, done };
    }
    if (!state.quiet) console.log(`ping-pong: ${done} round trips in ${ctx.now() - state.startedAt!} ms`);
    if (state.notify) ctx.send(state.notify, { type: 'PING_PONG_DONE', count: done });
    ctx.exit();
    return { ...state, done };
  }
}
