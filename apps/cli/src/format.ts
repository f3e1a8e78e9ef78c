import { isAbsolute, relative } from 'node:path';
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

/** A path as the person typed it when relative, else relative to the working directory when under it. */
export function displayPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** The first 8 hex digits of a content hash (a built-in module's hash, such as `class:Root:1`, as is). */
export function shortHash(hash: string): string {
  return /^[0-9a-f]{64}$/.test(hash) ? hash.slice(0, 8) : hash;
}

/** A duration for people: `45s`, `12m 5s`, `3h 20m`, `2d 4h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A byte count in binary units: `512 B`, `96.4 MiB`, `2.1 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
