import { copyData } from './codec';
import { HypernodeError } from './errors';
import type { ErrorData, ExitReason } from './process';

function errorDataToString(this: ErrorData): string {
  return this.message ? `${this.name}: ${this.message}` : this.name;
}

function withToString<T extends object>(data: T): T {
  Object.defineProperty(data, 'toString', { value: errorDataToString, enumerable: false, configurable: true, writable: true });
  return data;
}

/** Makes an exit reason from whatever was given to `exit()` or thrown, as data that crosses the wire. */
export function toExitReason(err: unknown): ExitReason {
  if (err === undefined) return 'normal';
  if (typeof err === 'string') return err;
  if (err instanceof Error) {
    const data: ErrorData = { name: err.name, message: err.message } as ErrorData;
    if (err.stack) data.stack = err.stack;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') data.code = code;
    return withToString(data);
  }
  try {
    return copyData(err, 'reason') as ExitReason;
  } catch {
    return withToString({ name: 'Error', message: String(err) } as ErrorData);
  }
}

/** Gives a received error-like reason (with `name` and `message`) its `toString()` back. */
export function reviveExitReason(reason: unknown): ExitReason {
  if (
    reason !== null &&
    typeof reason === 'object' &&
    typeof (reason as ErrorData).name === 'string' &&
    typeof (reason as ErrorData).message === 'string' &&
    Object.getPrototypeOf(reason) === Object.prototype &&
    !Object.prototype.hasOwnProperty.call(reason, 'toString')
  ) {
    withToString(reason);
  }
  return reason as ExitReason;
}

/** A reason from a HypernodeError, as data. */
export function hypernodeReason(code: HypernodeError['code'], message: string): ExitReason {
  return toExitReason(new HypernodeError(code, message));
}

/** `'normal'` and `'shutdown'` are not crashes (as in OTP); anything else is. */
export function isCrash(reason: ExitReason): boolean {
  return reason !== 'normal' && reason !== 'shutdown';
}

/** One line for logs. */
export function describeReason(reason: ExitReason): string {
  if (typeof reason === 'string') return reason;
  if (reason && typeof reason === 'object' && typeof (reason as ErrorData).message === 'string') {
    // Formatted here, not by the reason's own toString: a plain `{ name, message }` (a supervisor's exit, data
    // from another program) has none and would print as '[object Object]'.
    const { name, message } = reason as ErrorData;
    return typeof name === 'string' && name.length > 0 ? (message ? `${name}: ${message}` : name) : message;
  }
  try {
    return JSON.stringify(reason);
  } catch {
    return String(reason);
  }
}
