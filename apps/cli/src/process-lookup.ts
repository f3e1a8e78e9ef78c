import type { ProcessInfo } from '@hypernode/core';
import type { ClusterClient } from '@hypernode/daemon';
import { CliError } from './cli-error';

/**
 * The process a command names, by its name or a registered name; a {@link CliError} saying so when the
 * cluster has none (messages to it would be dropped as dead letters, with no error anywhere).
 */
export async function findProcess(client: ClusterClient, cluster: string, name: string): Promise<ProcessInfo> {
  const all = await client.ps();
  const found = all.find((p) => p.name === name) ?? all.find((p) => p.names.includes(name));
  if (found) return found;
  throw new CliError(`No process '${name}' in cluster '${cluster}' (it ended, or the name is misspelt); list the running ones with 'hypernode-cli ps'.`);
}
