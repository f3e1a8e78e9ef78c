/** @hypernode-module BadConstructor **/
import { Process } from 'hypernode';

/** Throws when constructed: loading it must fail and store nothing. */
export default class BadConstructor extends Process {
  private readonly port = openPort();
}

function openPort(): number {
  throw new Error('no port configured');
}
