/** @hypernode-module Pinger **/
import { Process, type Context } from 'hypernode';

export interface PingerState {
  /** The Pong process to play with. */
  pong: string;
  count: number;
  notify: string;
  done?: number;
}

type Incoming = { type: 'PONG'; n: number };

/** Plays `count` ping-pong rounds with an existing Pong, checking each number, then tells `notify`. */
export default class Pinger extends Process<PingerState, Incoming> {
  override processWillRun(state: PingerState, { send }: Context<PingerState>) {
    send(state.pong, { type: 'PING', n: 1 });
    return { ...state, done: 0 };
  }

  override processDidReceiveMessage(state: PingerState, message: Incoming, sender: string, ctx: Context<PingerState>) {
    const done = state.done! + 1;
    if (message.n !== done) throw new Error(`expected pong ${done}, got ${message.n}`);
    if (done < state.count) ctx.send(sender, { type: 'PING', n: done + 1 });
    else ctx.send(state.notify, { type: 'DONE', rounds: done, pinger: ctx.getProcessName(), pong: sender });
    return { ...state, done };
  }
}
