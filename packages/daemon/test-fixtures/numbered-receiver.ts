/** @hypernode-module NumberedReceiver **/
import { Process, type Context } from 'hypernode';

export interface NumberedReceiverState {
  /** The next number expected. */
  next: number;
  received: number;
  /** Numbers that came again (n below `next`). */
  duplicates: number;
  /** Numbers that skipped ahead (n above `next`): a loss or a reorder. */
  gaps: number;
  /** The first few anomalies, as `expected N, got M`. */
  anomalies: string[];
}

type Incoming = { n: number } | { type: 'GET' };

/** Checks that `{ n }` arrive as 1, 2, 3... exactly once each; answers GET with what it saw. */
export default class NumberedReceiver extends Process<NumberedReceiverState, Incoming> {
  override processDidReceiveMessage(state: NumberedReceiverState, message: Incoming, _from: string, ctx: Context<NumberedReceiverState>) {
    if ('type' in message) {
      ctx.reply(state);
      return state;
    }
    const { n } = message;
    const s = { ...state, received: state.received + 1 };
    if (n !== state.next) {
      if (n < state.next) s.duplicates++;
      else s.gaps++;
      if (s.anomalies.length < 10) s.anomalies = [...s.anomalies, `expected ${state.next}, got ${n}`];
    }
    s.next = Math.max(state.next, n + 1);
    return s;
  }
}
