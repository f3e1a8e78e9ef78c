/** @hypernode-module Counter **/
import { Process, type Context } from 'hypernode';

export interface CounterState {
  count: number;
  upgradedFrom?: number;
}

type Incoming = { type: 'INC' } | { type: 'GET' };

/** Counts INC messages; answers a GET call with its count and code version (version 1). */
export default class Counter extends Process<CounterState, Incoming> {
  override processDidReceiveMessage(state: CounterState, message: Incoming, _from: string, { reply }: Context<CounterState>) {
    if (message.type === 'INC') return { ...state, count: state.count + 1 };
    reply({ count: state.count, code: 1, upgradedFrom: state.upgradedFrom ?? null });
    return state;
  }
}
