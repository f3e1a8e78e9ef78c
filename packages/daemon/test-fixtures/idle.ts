/** @hypernode-module Idle **/
import { Process } from 'hypernode';

/** Does nothing until it is ended. */
export default class Idle extends Process<{ i?: number }> {}
