/** @hypernode-module CrashChild **/

import { Process, type Context } from 'hypernode';

export interface CrashChildState {
  /** `'throw'`: throw `new Error(message)`; `'exit'`: call `exit(message)`. */
  mode: 'throw' | 'exit';
  message: string;
}

/** Ends as soon as it starts: by throwing an Error, or by `exit()` with a string reason. */
export default class CrashChild extends Process<CrashChildState> {
  override processWillRun(state: CrashChildState, { exit }: Context<CrashChildState>): CrashChildState {
    if (state.mode === 'throw') throw new Error(state.message);
    exit(state.message);
    return state;
  }
}
