import { Process, type Context, type ExitReason } from '@hypernode/core';

/** The state of {@link CliRoot}: who to tell about top-level exits. */
export interface CliRootState {
  watcher?: string;
}

/** Tells the root to report to the sender (an inbox) every top-level process that ends. */
export interface WatchMessage {
  type: 'WATCH';
}

/** What {@link CliRoot} sends its watcher when a child of the root ends. */
export interface TopLevelExit {
  type: 'TOP_LEVEL_EXIT';
  name: string;
  err: ExitReason;
}

type Incoming = WatchMessage | { type: 'CHILD_PROCESS_EXIT'; payload: { err: ExitReason } };

/**
 * The root process of the CLI's embedded cluster. Like the built-in `Root` it ignores what it receives,
 * except that after a `WATCH` message it forwards each `CHILD_PROCESS_EXIT` (a top-level process ended on
 * its own: crashed, or called `exit`) to the `WATCH` sender as a {@link TopLevelExit}. Processes ended by
 * `cluster.stop()` are not reported: they end with the root.
 */
export class CliRoot extends Process<CliRootState, Incoming> {
  static override moduleName = 'CliRoot';

  override processDidReceiveMessage(state: CliRootState, message: Incoming, sender: string, { send }: Context<CliRootState>): CliRootState {
    if (message.type === 'WATCH') return { watcher: sender };
    if (message.type === 'CHILD_PROCESS_EXIT' && state.watcher) {
      send(state.watcher, { type: 'TOP_LEVEL_EXIT', name: sender, err: message.payload.err } satisfies TopLevelExit);
    }
    return state;
  }
}
