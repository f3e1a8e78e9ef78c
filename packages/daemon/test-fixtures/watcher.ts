/** @hypernode-module Watcher **/
import { Process, type Context, type ExitReason } from 'hypernode';

export interface WatcherState {
  children: number;
  notify: string;
}

type Incoming = { type: 'CHILD_PROCESS_EXIT'; payload: { err: ExitReason } };

/** Spawns `children` Idle processes, reports their names, then reports every child exit it is told of. */
export default class Watcher extends Process<WatcherState, Incoming> {
  override processWillRun(state: WatcherState, { spawn, send, getProcessName }: Context<WatcherState>) {
    const names: string[] = [];
    for (let i = 0; i < state.children; i++) names.push(spawn('Idle', { i }));
    send(state.notify, { type: 'CHILDREN', watcher: getProcessName(), names });
    return state;
  }

  override processDidReceiveMessage(state: WatcherState, message: Incoming, sender: string, { send }: Context<WatcherState>) {
    if (message.type === 'CHILD_PROCESS_EXIT') send(state.notify, { type: 'CHILD_EXIT', child: sender, err: message.payload.err });
    return state;
  }
}
