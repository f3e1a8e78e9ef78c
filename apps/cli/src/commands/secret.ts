import { randomBytes } from 'node:crypto';
import type { Argv } from 'yargs';
import { roleSecretText } from '@hypernode/daemon';
import { ROLES, type Role } from '@hypernode/core/runtime';
import { CliError } from '../cli-error';
import { connectionSettings, once, type ClusterOptions } from '../cluster-options';

/** The options of `hypernode-cli secret role`, as parsed. */
export interface SecretRoleOptions extends Pick<ClusterOptions, 'cluster' | 'secretFile'> {
  role: string;
}

/** `hypernode-cli secret new`: a fresh random cluster secret (32 random bytes in hex, as `openssl rand -hex 32`). */
export function newSecret(out: (line: string) => void = (line) => console.log(line)): number {
  out(randomBytes(32).toString('hex'));
  return 0;
}

/** Declares `secret role`'s options: the role, `--cluster` and `--secret-file` (else `HYPERNODE_SECRET`). */
export function secretRoleOptions(yargs: Argv): Argv<SecretRoleOptions> {
  return yargs
    .positional('role', { type: 'string', choices: [...ROLES], demandOption: true, describe: 'The role whose secret to print' })
    .option('cluster', { type: 'string', requiresArg: true, describe: "Cluster name; env HYPERNODE_CLUSTER (a role secret works for this cluster only)" })
    .option('secret-file', { type: 'string', requiresArg: true, describe: 'A file holding the cluster secret; env HYPERNODE_SECRET' })
    .example('HYPERNODE_SECRET=$(cat cluster.secret) $0 secret role read --cluster prod > read.secret', 'A secret for status, ps, tree, ... of cluster prod, not for spawn or load')
    .strict() as unknown as Argv<SecretRoleOptions>;
}

/**
 * `hypernode-cli secret role <role>`: the role secret (`role:<role>:<hex>`) derived from the configured cluster
 * secret and the cluster name. Whoever holds it can sign requests of that role and below for that cluster only.
 */
export function secretRole(options: SecretRoleOptions, out: (line: string) => void = (line) => console.log(line)): number {
  const role = once('role', options.role) as Role;
  if (!(ROLES as readonly string[]).includes(role)) throw new CliError(`Unknown role '${String(role)}'; give one of ${ROLES.join(', ')}.`);
  const conn = connectionSettings({ ...(options.cluster !== undefined ? { cluster: options.cluster } : {}), ...(options.secretFile !== undefined ? { secretFile: options.secretFile } : {}) });
  if (conn.secret === null) {
    throw new CliError('No cluster secret is configured: set HYPERNODE_SECRET or give --secret-file with the cluster secret (make one with hypernode-cli secret new).');
  }
  if (conn.secret.startsWith('role:')) {
    throw new CliError('The secret configured is a role secret; a role secret is derived from the cluster secret itself: give that (HYPERNODE_SECRET or --secret-file).');
  }
  out(roleSecretText(conn.secret, conn.cluster, role));
  return 0;
}
