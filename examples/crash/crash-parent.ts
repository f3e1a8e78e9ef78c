/** @hypernode-module CrashParent **/

import { Process, type Context, type ExitReason } from 'hypernode';
import type { CrashChildState } from './crash-child';

export interface CrashParentState {
  /** A process or inbox name told `{ type: 'CHILD_REPORT', ... }` per child, then `{ type: 'CRASH_DONE' }`. */
  notify?: string;
  /** Do not print a line per child. */
  quiet?: boolean;
  /** Set by the process: what each child was asked to do, by name. */
  children?: Record<string, CrashChildState>;
}

type Incoming = { type: 'CHILD_PROCESS_EXIT'; payload: { err: ExitReason } };

/**
 * Spawns two `CrashChild` processes: one that throws an Error and one that calls `exit()` with a string.
 * For each it reports the reason it receives in `CHILD_PROCESS_EXIT`, as data and as `String(err)`
 * (`Error: message` for an error), then exits normally once both have ended. The crash touches nothing else.
 */
export default class CrashParent extends Process<CrashParentState, Incoming> {
  override processWillRun(state: CrashParentState, { spawn }: Context<CrashParentState>): CrashParentState {
    const children: Record<string, CrashChildState> = {};
    for (const child of [
      { mode: 'throw', message: 'something went wrong' },
      { mode: 'exit', message: 'giving up' },
    ] satisfies CrashChildState[]) {
      children[spawn('CrashChild', child)] = child;
    }
    return { ...state, children };
  }

  override processDidReceiveMessage(state: CrashParentState, message: Incoming, sender: string, ctx: Context<CrashParentState>): CrashParentState {
    if (message.type !== 'CHILD_PROCESS_EXIT') return state;
    const { [sender]: child, ...others } = state.children ?? {};
    if (!child) return state;
    const { err } = message.payload;
    const reason = String(err);
    if (!state.quiet) console.log(`crash: child '${sender}' (${child.mode}) ended: ${reason}`);
    if (state.notify) {
      const isError = typeof err === 'object' && err !== null && 'message' in err;
      ctx.send(state.notify, {
        type: 'CHILD_REPORT',
        child: sender,
        mode: child.mode,
        reason,
        error: isError ? { name: (err as { name: string }).name, message: (err as { message: string }).message } : null,
      });
    }
    if (Object.keys(others).length === 0) {
      if (state.notify) ctx.send(state.notify, { type: 'CRASH_DONE' });
      ctx.exit();
    }
    return { ...state, children: others };
  }
}
