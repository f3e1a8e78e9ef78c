/** @hypernode-module Gate **/
import { Process, type Context } from 'hypernode';

/**
 * On a 'block' call, answers 'blocked' and then never finishes that handler, so every later message waits in its
 * mailbox (for tests of mailbox bounds; end it with kill).
 */
export default class Gate extends Process {
  override *processDidReceiveMessage(state: object, message: unknown, _from: string, { reply }: Context) {
    if (message === 'block') {
      reply('blocked');
      yield new Promise<void>(() => {});
    }
    return state;
  }
}
