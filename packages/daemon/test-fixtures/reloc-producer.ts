/** @hypernode-module RelocProducer **/
import { Process, type Context } from 'hypernode';

type Go = { go: string; n: number; i: number };

/** Sends `n` numbered messages to `go`, 50 per turn (so other processes and moves run in between). */
export default class RelocProducer extends Process<Record<string, never>, Go> {
  override processDidReceiveMessage(_state: Record<string, never>, message: Go, _from: string, { send, getProcessName }: Context) {
    const end = Math.min(message.n, message.i + 50);
    for (let i = message.i; i < end; i++) send(message.go, { seq: i, total: message.n });
    if (end < message.n) send(getProcessName(), { ...message, i: end });
  }
}
