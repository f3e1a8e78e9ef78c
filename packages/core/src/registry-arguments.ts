import { HypernodeError } from './errors';
import type { MemberInfo, ModuleSource } from './registry';

/**
 * Argument checks every Registry implementation shares, so each refuses bad input with the same
 * `INVALID_ARGUMENT` sentence. For adapter authors (exported as `registryArguments`); applications do not
 * need them.
 */

function invalid(message: string): HypernodeError {
  return new HypernodeError('INVALID_ARGUMENT', message);
}

export function checkName(what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw invalid(`The ${what} must be a non-empty string, got ${typeof value === 'string' ? "''" : typeof value}; pass the ${what} as text.`);
  }
}

export function checkSource(name: string, module: ModuleSource): void {
  if (module === null || typeof module !== 'object') {
    throw invalid(`The source of module '${name}' must be an object { code, hash }; pass the bundled module.`);
  }
  if (typeof module.code !== 'string') {
    throw invalid(`The code of module '${name}' must be a string, got ${typeof module.code}; pass the bundled CommonJS code as text.`);
  }
  if (typeof module.hash !== 'string' || module.hash === '') {
    throw invalid(`The hash of module '${name}' must be a non-empty string; pass the hex SHA-256 of its code.`);
  }
  if (module.origin !== undefined && typeof module.origin !== 'string') {
    throw invalid(`The origin of module '${name}' must be a string when given; pass the file path it was loaded from.`);
  }
  if (module.seal !== undefined && (typeof module.seal !== 'string' || module.seal === '')) {
    throw invalid(`The seal of module '${name}' must be a non-empty string when given; pass the seal made by sealOf, or none.`);
  }
}

export function checkVersion(name: string, version: number | undefined): void {
  if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
    throw invalid(`Version ${String(version)} of module '${name}' is not a positive integer; versions are numbered 1, 2, 3, ...`);
  }
}

export function checkTtl(id: string, ttlMs: number): void {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw invalid(`The ttlMs of member '${id}' must be a finite number above 0, got ${String(ttlMs)}; pass how long it lives without a heartbeat.`);
  }
}

export function encodeMember(member: MemberInfo): string {
  if (member === null || typeof member !== 'object') {
    throw invalid('A member must be an object { id, role, startedAt, ... }; pass a MemberInfo.');
  }
  checkName('member id', member.id);
  try {
    return JSON.stringify(member);
  } catch (err) {
    throw new HypernodeError('INVALID_ARGUMENT', `Member '${member.id}' cannot be stored as JSON; pass plain data only.`, { cause: err });
  }
}

export function checkBytes(key: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw invalid(`The value for key '${key}' must be a Uint8Array; encode it first (for example with encode() from @hypernode/core).`);
  }
}

/**
 * What a distributed cluster may be called: 1-100 letters, digits, `_` or `-`, starting with a letter or digit.
 * No `.` (the separator of RabbitMQ queue names) and no `:` (the separator of Redis keys), so that the queue and
 * key names of two clusters cannot collide whatever the names inside them (docs/design/018-names-and-settings.md).
 */
export const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** Throws `INVALID_OPTIONS` when `cluster` is not a valid {@link CLUSTER_NAME}; `where` names the setting. */
export function checkClusterName(cluster: unknown, where = 'The cluster name'): asserts cluster is string {
  if (typeof cluster === 'string' && CLUSTER_NAME.test(cluster)) return;
  const shown = typeof cluster === 'string' ? `'${cluster}'` : String(cluster);
  const dot = typeof cluster === 'string' && /[.:]/.test(cluster) ? " ('.' and ':' separate the parts of queue and key names, so they cannot be part of a cluster name)" : '';
  throw new HypernodeError(
    'INVALID_OPTIONS',
    `${where} ${shown} is not valid${dot}; use 1-100 letters, digits, '_' or '-', starting with a letter or digit (e.g. ${typeof cluster === 'string' && cluster ? `'${suggestClusterName(cluster)}'` : "'prod'"}).`,
  );
}

function suggestClusterName(cluster: string): string {
  const cleaned = cluster.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100);
  return cleaned || 'prod';
}
