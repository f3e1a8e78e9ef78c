/** @hypernode-module Counter **/
import { Process, type Context } from 'hypernode';

export interface CounterState {
  count: number;
  upgradedFrom?: number;
}

type Incoming = { type: 'INC' } | { type: 'GET' };

/** Version 2 of Counter: INC adds 10, GET says code 2, and the upgrade hook records the old version. */
export default class Counter extends Process<CounterState, Incoming> {
  override processWillUpgrade(state: CounterState, fromVersion: number) {
    return { ...state, upgradedFrom: fromVersion };
  }

  override processDidReceiveMessage(state: CounterState, message: Incoming, _from: string, { reply }: Context<CounterState>) {
    if (message.type === 'INC') return { ...state, count: state.count + 10 };
    reply({ count: state.count, code: 2, upgradedFrom: state.upgradedFrom ?? null });
    return state;
  }
}
