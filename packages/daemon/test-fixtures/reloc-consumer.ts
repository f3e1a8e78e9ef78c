/** @hypernode-module RelocConsumer **/
import { Process, type Context } from 'hypernode';

export interface RelocConsumerState {
  notify: string;
  /** How many senders will send `total` each. */
  senders: number;
  next: Record<string, number>;
  errors: string[];
  got: number;
}

/** Checks each sender's numbers arrive in order, once each; tells `notify` once it has them all. */
export default class RelocConsumer extends Process<RelocConsumerState> {
  override processDidReceiveMessage(state: RelocConsumerState, message: { seq: number; total: number }, from: string, { send, getProcessName }: Context) {
    const expected = state.next[from] ?? 0;
    if (message.seq !== expected && state.errors.length < 10) state.errors.push(`${from}: got ${message.seq}, expected ${expected}`);
    state.next[from] = message.seq + 1;
    state.got++;
    if (state.got === message.total * state.senders) send(state.notify, { done: getProcessName(), errors: state.errors, got: state.got });
    return state;
  }
}
