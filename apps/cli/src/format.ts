import type { ExitReason } from '@hypernode/core';
import { CliError } from './cli-error';

/** `text` on one line: line breaks and the indentation after them become single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * What the CLI prints for an error: `hypernode-cli: error: <message>` on one line; with `verbose`, the stack
 * trace and the chain of causes follow (never for a {@link CliError}, whose message says it all).
 */
export function formatError(err: unknown, verbose: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = `hypernode-cli: error: ${oneLine(message)}`;
  if (!verbose || err instanceof CliError || !(err instanceof Error)) return line;
  const parts = [line];
  let cause: unknown = err;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    parts.push(depth === 0 ? (cause.stack ?? String(cause)) : `caused by: ${cause.stack ?? String(cause)}`);
    cause = cause.cause;
  }
  if (cause !== undefined && !(cause instanceof Error)) parts.push(`caused by: ${String(cause)}`);
  return parts.join('\n');
}

/** One line for an exit reason: `Name: message` for an error, the string itself, or JSON for other data. */
export function formatReason(err: ExitReason): string {
  if (typeof err === 'string') return err;
  if (err !== null && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
    const { name, message } = err as { name?: unknown; message: string };
    return oneLine(typeof name === 'string' && name ? `${name}: ${message}` : message);
  }
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/** True for reasons that are not crashes: `'normal'` and `'shutdown'` (as in OTP). */
export function isCleanExit(err: ExitReason): boolean {
  return err === 'normal' || err === 'shutdown';
}
