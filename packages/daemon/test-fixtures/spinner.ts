/** @hypernode-module Spinner **/
import { Process } from 'hypernode';

/** On 'spin', blocks its worker's event loop for good (an endless synchronous loop). */
export default class Spinner extends Process<object, string> {
  override processDidReceiveMessage(state: object, message: string) {
    if (message === 'spin') for (;;);
    return state;
  }
}
