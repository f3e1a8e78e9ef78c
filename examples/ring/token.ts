/** The message that goes around the ring. */
export interface Token {
  type: 'TOKEN';
  /** The token's number, 0..tokens-1. */
  seq: number;
  /** The lap it is on, from 1. */
  lap: number;
  /** Messages it has travelled so far. */
  hops: number;
}

/**
 * Checks that `token` is the one expected (tokens reach each member in number order, lap after lap) and
 * returns the number expected next; throws, crashing the process, when FIFO order between `sender` and
 * `receiver` was broken.
 */
export function checkOrder(expect: number, token: Token, tokens: number, sender: string, receiver: string): number {
  if (token.type !== 'TOKEN') throw new TypeError(`'${receiver}' expected a TOKEN from '${sender}'; got ${JSON.stringify(token)}.`);
  if (token.seq !== expect) {
    throw new Error(`'${receiver}' got token ${token.seq} from '${sender}' before token ${expect}: FIFO order between them was broken`);
  }
  return (expect + 1) % tokens;
}
