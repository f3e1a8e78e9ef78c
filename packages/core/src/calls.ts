/**
 * Calls: a message that expects one reply. The caller's worker keeps a pending call under a ref; the message
 * travels with a token (`caller#ref`) that the callee answers with `reply()` (the call being handled) or
 * `replyTo(token)` (a token kept with `callToken()`), from any worker. A call fails with `CALL_TIMEOUT`, with
 * `NO_PROCESS` when the callee does not exist, and with `PROCESS_EXITED` when it ends before answering.
 */
import type { TimerHandle } from './clock';
import { checkData, copyData, encodeTrusted } from './codec';
import { describeArg } from './describe-arg';
import { HypernodeError } from './errors';
import { describeReason, hypernodeReason, reviveExitReason } from './exit-reason';
import type { EndHooks, KernelPort, Locator } from './kernel-port';
import { CallFrom, waitingSenders } from './mailbox';
import type { ExitReason } from './process';
import { extrasOf, type ProcRecord } from './process-record';
import { callRef, callToken, E_REPLY, workerOf } from './wire';

interface PendingCall {
  /** The callee's name, as resolved when the call was made. */
  target: string;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  timer: TimerHandle;
}

/** The calls one worker's processes (and outside callers) make and answer. */
export class Calls implements EndHooks {
  private readonly pending = new Map<string, PendingCall>();

  constructor(private readonly port: KernelPort & Locator) {
    port.onEnvelope(E_REPLY, (env) => this.settle(env[1] as string, env[2] as boolean, env[3]));
  }

  /** Sends `message` to `to` as a call from `from` and resolves with the reply. */
  call(from: string, to: string, message: unknown, timeoutMs = 5000): Promise<unknown> {
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new TypeError(`call() needs a positive, finite timeout in milliseconds; got ${describeArg(timeoutMs)}.`);
    }
    const port = this.port;
    const ref = callRef(port.nextSeq());
    // A caller that moved here from its home is answered here, not at its home: the token names this worker.
    const token = callToken(workerOf(from) === port.id ? from : `${port.id}:`, ref);
    return new Promise((resolve, reject) => {
      const timer = port.clock.setTimeout(() => {
        this.pending.delete(ref);
        reject(
          new HypernodeError(
            'CALL_TIMEOUT',
            `Call from '${from}' to '${to}' got no reply within ${timeoutMs} ms; make sure the receiver calls reply() for this message, or pass a larger timeout.`,
          ),
        );
      }, timeoutMs);
      this.pending.set(ref, { target: port.resolve(to) ?? to, resolve, reject, timer });
      try {
        port.sendFrom(from, to, message, token);
      } catch (err) {
        this.pending.delete(ref);
        port.clock.clearTimeout(timer);
        reject(err);
      }
    });
  }

  /** `ctx.reply` of `rec`: answers the call being handled. */
  reply(rec: ProcRecord, value: unknown): void {
    if (rec.currentCall === null) {
      throw new HypernodeError(
        'INVALID_ARGUMENT',
        `reply() was called by '${rec.name}' while handling a message that was not sent with call() (or was already answered); use send() to answer plain messages.`,
      );
    }
    const token = rec.currentCall;
    // Checked (and sent) first: a reply that is not data throws here and leaves the call pending, so the
    // caller gets PROCESS_EXITED when this process crashes, not a timeout.
    this.replyTo(token, value);
    rec.currentCall = null;
    rec.extras?.keptTokens?.delete(token);
  }

  /** `ctx.callToken` of `rec`: the current call's token, which this process now owes an answer to. */
  keepToken(rec: ProcRecord): string | undefined {
    if (rec.currentCall === null) return undefined;
    (extrasOf(rec).keptTokens ??= new Set()).add(rec.currentCall);
    return rec.currentCall;
  }

  /** `ctx.replyTo` of `rec`. */
  replyFrom(rec: ProcRecord, token: string, value: unknown): void {
    this.replyTo(token, value);
    if (rec.currentCall === token) rec.currentCall = null;
    rec.extras?.keptTokens?.delete(token);
  }

  /** Answers the call identified by `token` with `value`, or with an error reason. */
  replyTo(token: string, value: unknown, error?: ExitReason): void {
    if (typeof token !== 'string' || token.lastIndexOf('#') < 0) {
      throw new TypeError(`replyTo() needs a call token from callToken(); got ${describeArg(token)}.`);
    }
    const hash = token.lastIndexOf('#');
    const caller = token.slice(0, hash);
    const ref = token.slice(hash + 1);
    const ok = error === undefined;
    const w = workerOf(caller);
    if (w === this.port.id) this.settle(ref, ok, ok ? copyData(value, 'reply') : error);
    else {
      const maps = ok ? checkData(value, 'reply') : false;
      this.port.push(w, encodeTrusted([E_REPLY, ref, ok, ok ? value : error], maps), ok ? 'reply' : undefined, undefined, caller);
    }
  }

  /** Every call `rec` was asked and has not answered (waiting in its mailbox, being handled, kept) fails with `PROCESS_EXITED`. */
  ending(rec: ProcRecord): void {
    if (rec.mailboxHead !== null) {
      for (const sender of waitingSenders(rec)) if (sender instanceof CallFrom) this.replyTo(sender.token, undefined, exitedReason(rec));
    }
    const extras = rec.extras!;
    if (rec.currentCall !== null) {
      extras.keptTokens?.delete(rec.currentCall);
      this.replyTo(rec.currentCall, undefined, exitedReason(rec));
      rec.currentCall = null;
    }
    if (extras.keptTokens) {
      for (const token of extras.keptTokens) this.replyTo(token, undefined, exitedReason(rec));
      extras.keptTokens = undefined;
    }
  }

  /** Calls waiting on a process of the lost worker fail with its `WORKER_LOST` reason. */
  workerLost(worker: string, reason: ExitReason): void {
    for (const [ref, call] of [...this.pending]) {
      if (this.port.isOn(call.target, worker)) this.settle(ref, false, reason);
    }
  }

  /** Stops every pending call's timer and forgets the calls (they never settle). */
  close(): void {
    for (const call of this.pending.values()) this.port.clock.clearTimeout(call.timer);
    this.pending.clear();
  }

  private settle(ref: string, ok: boolean, value: unknown): void {
    const pending = this.pending.get(ref);
    if (!pending) return;
    this.pending.delete(ref);
    this.port.clock.clearTimeout(pending.timer);
    if (ok) pending.resolve(value);
    else {
      const r = value as { code?: string; message?: string; cause?: unknown };
      const options = r?.cause === undefined ? undefined : { cause: reviveExitReason(r.cause) };
      pending.reject(new HypernodeError((r?.code as HypernodeError['code']) ?? 'REMOTE_ERROR', r?.message ?? String(value), options));
    }
  }
}

/** The reason a call to `rec` fails with: names the callee's own exit reason, which the caller's error carries as `cause`. */
function exitedReason(rec: ProcRecord): ExitReason {
  const reason = rec.extras?.reason;
  const why = reason === undefined ? '' : ` with reason ${oneLine(reasonText(reason))}`;
  const data = hypernodeReason('PROCESS_EXITED', `Process '${rec.name}' ended${why} before replying; handle the error or monitor it.`);
  if (reason !== undefined) (data as { cause?: ExitReason }).cause = reason;
  return data;
}

function reasonText(reason: ExitReason): string {
  const r = reason as { name?: unknown; message?: unknown } | null;
  if (r !== null && typeof r === 'object' && typeof r.message === 'string') return typeof r.name === 'string' && r.name ? `${r.name}: ${r.message}` : r.message;
  return describeReason(reason);
}

function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
