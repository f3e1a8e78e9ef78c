/** @hypernode-module Crasher **/
import { Process } from 'hypernode';

/** Throws an error whose message is the `crash` text of the message it is sent. */
export default class Crasher extends Process<Record<string, unknown>, { crash: string }> {
  override processDidReceiveMessage(_state: Record<string, unknown>, message: { crash: string }): never {
    throw new Error(message.crash);
  }
}
