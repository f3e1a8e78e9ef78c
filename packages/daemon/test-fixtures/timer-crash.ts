/** @hypernode-module TimerCrash **/
import { Process, type Context } from 'hypernode';

/**
 * Answers 'ping' calls; on 'arm', starts a timer whose callback throws (outside any handler). As a parent
 * (state `{ inbox }`), spawns a TimerCrash child on 'spawn' and tells its inbox of each child's exit.
 */
export default class TimerCrash extends Process<{ inbox?: string }> {
  override processDidReceiveMessage(state: { inbox?: string }, message: any, from: string, { reply, send, spawn }: Context) {
    if (message === 'ping') reply('pong');
    else if (message === 'spawn') reply(spawn('TimerCrash', {}));
    else if (message === 'arm') {
      setTimeout(() => {
        throw new Error('thrown in a timer on a worker daemon');
      }, 1);
    } else if (message?.type === 'CHILD_PROCESS_EXIT' && state.inbox) send(state.inbox, { childExit: from, err: message.payload.err });
  }
}
