/** @hypernode-module Homebody **/
import { Process, type Context } from 'hypernode';

/** Counts INC messages and answers GET like Counter, but refuses every move (it stands for a process holding a socket). */
export default class Homebody extends Process<{ count: number }> {
  override processWillMove() {
    return false;
  }

  override processDidReceiveMessage(state: { count: number }, message: { type: string }, _from: string, { reply }: Context<{ count: number }>) {
    if (message.type === 'INC') return { count: state.count + 1 };
    reply({ count: state.count });
    return state;
  }
}
