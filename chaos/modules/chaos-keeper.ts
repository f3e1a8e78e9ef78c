/** @hypernode-module ChaosKeeper **/
import { Process, type Context, type ExitReason } from 'hypernode';

export interface KeeperState {
  /** How many ChaosPeer children to spawn. */
  peers: number;
  children: string[];
  /** Every child exit this keeper was told of, in order, with the time it was told (epoch ms). */
  told: { child: string; err: ExitReason; at: number }[];
}

type Incoming = { type: 'CHILD_PROCESS_EXIT'; payload: { err: ExitReason } } | { type: 'CHILDREN' } | { type: 'TOLD' };

/**
 * The chaos suite's parent: spawns `peers` ChaosPeer children (the scheduler places them), answers CHILDREN with
 * their names, and keeps every CHILD_PROCESS_EXIT it gets, with the time it came; TOLD answers with that list.
 */
export default class ChaosKeeper extends Process<KeeperState, Incoming> {
  override processWillRun(state: KeeperState, ctx: Context<KeeperState>) {
    const children: string[] = [];
    for (let i = 0; i < state.peers; i++) children.push(ctx.spawn('ChaosPeer', {}));
    return { ...state, children, told: [] };
  }

  override processDidReceiveMessage(state: KeeperState, message: Incoming, sender: string, ctx: Context<KeeperState>) {
    if (message.type === 'CHILD_PROCESS_EXIT') {
      const entry = { child: sender, err: message.payload.err, at: ctx.now() };
      return { ...state, told: [...state.told, entry] };
    }
    if (message.type === 'CHILDREN') ctx.reply(state.children);
    else if (message.type === 'TOLD') ctx.reply(state.told);
    return state;
  }
}
