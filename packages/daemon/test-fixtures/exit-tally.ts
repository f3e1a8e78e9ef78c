/** @hypernode-module ExitTally **/
import { Process, type Context, type ExitReason } from 'hypernode';

export interface ExitTallyState {
  children: number;
  names: string[];
  /** How many times it was told of each child's exit. */
  told: Record<string, number>;
  /** The code (or the text) of the last reason it was told for each child. */
  reasons: Record<string, string>;
}

type Incoming = { type: 'CHILD_PROCESS_EXIT'; payload: { err: ExitReason } } | { type: 'GET' };

/** Spawns `children` Idle processes and counts the exits it is told of; a GET call answers the tally. */
export default class ExitTally extends Process<ExitTallyState, Incoming> {
  override processWillRun(state: ExitTallyState, { spawn }: Context<ExitTallyState>) {
    const names: string[] = [];
    for (let i = 0; i < state.children; i++) names.push(spawn('Idle', { i }));
    return { ...state, names, told: {}, reasons: {} };
  }

  override processDidReceiveMessage(state: ExitTallyState, message: Incoming, sender: string, { reply }: Context<ExitTallyState>) {
    if (message.type === 'CHILD_PROCESS_EXIT') {
      const err = message.payload.err as { code?: string } | string;
      return {
        ...state,
        told: { ...state.told, [sender]: (state.told[sender] ?? 0) + 1 },
        reasons: { ...state.reasons, [sender]: typeof err === 'string' ? err : String(err?.code) },
      };
    }
    reply({ names: state.names, told: state.told, reasons: state.reasons });
    return state;
  }
}
