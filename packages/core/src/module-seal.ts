import { HypernodeError } from './errors';
import type { Logger } from './logger';
import { hashCode } from './module-loader';
import type { ModuleVersion } from './registry';
import { deriveKey, macEquals, macOf } from './secret';

/**
 * Verified module code (docs/security.md, "Module code"; docs/design/026-verified-module-code.md).
 *
 * A stored module version carries the hash of its code and, when the cluster has a secret, a seal: an HMAC-SHA256
 * with the cluster's `modules` key over the version's name, number, hash and origin, written by the cluster daemon
 * when it stores the version. Before a worker evaluates code it read from the registry it checks both: the code's
 * own hash against the record's (catches code changed alone), and the seal against name, version, hash and origin
 * (catches code and hash changed together, a version's record moved to another number or name, and a seal removed).
 *
 * It does not protect code after it was evaluated, nor anything from someone who holds the cluster secret.
 */

/** Prefix of a seal's text: the format's version, so that another format can come without breaking this one. */
const SEAL_PREFIX = 'hm1:';

/** The key module records are sealed with: HKDF of the cluster secret for `cluster` and purpose `modules`. */
export function moduleSealKey(secret: string | Uint8Array, cluster: string): Buffer {
  return deriveKey(secret, cluster, 'modules');
}

/** The seal of one module version, as stored: `hm1:` and the hex MAC. */
export function sealOf(key: Uint8Array, name: string, version: number, hash: string, origin: string | undefined): string {
  return SEAL_PREFIX + macOf(key, 'module', name, String(version), hash, origin ?? '').toString('hex');
}

/** Which check a module record failed. */
export type ModuleCheck = 'hash' | 'seal' | 'unsealed';

/**
 * Checks a module record read from the registry before its code runs: the code's hash, always; the seal, when
 * `key` is given. Returns the failed check, or undefined when the record passes.
 */
export function failedModuleCheck(record: ModuleVersion, key: Uint8Array | null | undefined): ModuleCheck | undefined {
  if (hashCode(record.code) !== record.hash) return 'hash';
  if (!key) return undefined;
  if (typeof record.seal !== 'string' || record.seal === '') return 'unsealed';
  const expected = sealOf(key, record.name, record.version, record.hash, record.origin);
  return macEquals(Buffer.from(record.seal, 'utf8'), Buffer.from(expected, 'utf8')) ? undefined : 'seal';
}

const WHY: Record<ModuleCheck, string> = {
  hash: 'its code does not match the hash stored with it (the code was changed in the registry)',
  seal: "its record does not match its seal (its code and hash, number or origin were changed in the registry, or it was sealed with another cluster secret)",
  unsealed: 'it has no seal, and this cluster has a secret (it was stored before the secret was configured, or its seal was removed)',
};

/** The `MODULE_TAMPERED` error for a record that failed `check`; names the module, the version and the fix. */
export function tamperedError(record: Pick<ModuleVersion, 'name' | 'version'>, check: ModuleCheck, where: string): HypernodeError {
  return new HypernodeError(
    'MODULE_TAMPERED',
    `Module '${record.name}' version ${record.version} was refused by ${where}: ${WHY[check]}, so its code was not run. Reload the module from its source ('hypernode-cli reload <file>'), which stores a new, sealed version.`,
    { details: { module: record.name, version: record.version, check } },
  );
}

/**
 * Checks a record and, when it fails, logs an integrity alert (error level: module, version, failed check, never
 * the key) and throws `MODULE_TAMPERED`. `where` names the checker for the message ("worker 'w1'").
 */
export function verifyModuleRecord(record: ModuleVersion, key: Uint8Array | null | undefined, logger: Logger, where: string): void {
  const check = failedModuleCheck(record, key);
  if (check === undefined) return;
  logger.error(
    `integrity alert: module '${record.name}' version ${record.version} failed its ${check === 'hash' ? 'hash' : 'seal'} check at ${where} (${check}: ${WHY[check]}); refused to run it. Reload it from its source.`,
  );
  throw tamperedError(record, check, where);
}
