/** @hypernode-module NumberedSender **/
import { Process, type Context } from 'hypernode';

export interface NumberedSenderState {
  /** The NumberedReceiver to send to. */
  to: string;
  /** How many numbers to send in all. */
  total: number;
  /** Numbers per tick. */
  burst: number;
  /** Milliseconds between ticks. */
  everyMs: number;
  sent?: number;
}

type Incoming = { type: 'TICK' } | { type: 'GET' };

/** Sends `{ n }` for n = 1..total to `to`, `burst` numbers every `everyMs`; answers GET with how many it sent. */
export default class NumberedSender extends Process<NumberedSenderState, Incoming> {
  override processWillRun(state: NumberedSenderState, ctx: Context<NumberedSenderState>) {
    ctx.sendAfter(ctx.getProcessName(), { type: 'TICK' }, state.everyMs);
    return { ...state, sent: 0 };
  }

  override processDidReceiveMessage(state: NumberedSenderState, message: Incoming, _from: string, ctx: Context<NumberedSenderState>) {
    if (message.type === 'GET') {
      ctx.reply({ sent: state.sent });
      return state;
    }
    let sent = state.sent!;
    const end = Math.min(state.total, sent + state.burst);
    while (sent < end) ctx.send(state.to, { n: ++sent });
    if (sent < state.total) ctx.sendAfter(ctx.getProcessName(), { type: 'TICK' }, state.everyMs);
    return { ...state, sent };
  }
}
