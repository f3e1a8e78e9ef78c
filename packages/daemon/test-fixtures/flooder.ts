/** @hypernode-module Flooder **/
import { Process, type Context } from 'hypernode';

/** On a call `{ flood: name, n }`, sends `n` numbered messages to `name`, then answers `n`. */
export default class Flooder extends Process {
  override processDidReceiveMessage(state: object, message: { flood: string; n: number }, _from: string, { send, reply }: Context) {
    for (let seq = 0; seq < message.n; seq++) send(message.flood, { seq });
    reply(message.n);
    return state;
  }
}
