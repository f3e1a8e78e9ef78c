/** @hypernode-module RingNode **/

import { Process, type Context } from 'hypernode';
import { checkOrder, type Token } from './token';

export interface RingNodeState {
  /** Position in the ring (the `Ring` process is 0). */
  index: number;
  /** The next process of the ring. */
  next: string;
  /** How many distinct tokens circulate. */
  tokens: number;
  /** The token number expected next (set by the process). */
  expect?: number;
}

/** One member of the ring: checks that tokens arrive in order, then passes each on to `next`. */
export default class RingNode extends Process<RingNodeState, Token> {
  override processDidReceiveMessage(state: RingNodeState, token: Token, sender: string, { send, getProcessName }: Context<RingNodeState>): RingNodeState {
    const expect = checkOrder(state.expect ?? 0, token, state.tokens, sender, getProcessName());
    send(state.next, { ...token, hops: token.hops + 1 });
    return { ...state, expect };
  }
}
