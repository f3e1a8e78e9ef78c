/** @hypernode-module Stubborn **/

import { Process } from '@hypernode/core';

/** A test fixture: its processWillExit never finishes, so only a second Ctrl-C ends the CLI. */
export default class Stubborn extends Process {
  override *processWillExit() {
    console.log('stubborn: processWillExit started and will never finish');
    yield new Promise(() => {});
  }
}
