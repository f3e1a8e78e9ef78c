/** @hypernode-module Pong **/

import { Process, type Context } from 'hypernode';

type Incoming = { type: 'PING'; n: number };

/** Answers every `PING` with a `PONG` carrying the same number, to whoever sent it. */
export default class Pong extends Process<Record<string, never>, Incoming> {
  override processDidReceiveMessage(state: Record<string, never>, message: Incoming, sender: string, { send }: Context) {
    if (message.type === 'PING') send(sender, { type: 'PONG', n: message.n });
    return state;
  }
}
