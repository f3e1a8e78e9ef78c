import type { Argv } from 'yargs';
import type { ProcessInfo } from '@hypernode/core';
import { clusterOptions, timeoutMs, withCluster, type ClusterOptions } from '../cluster-options';
import { terminalIo, type CommandIo } from '../command-io';
import { toJson } from '../json';
import { table } from '../table';
import { formatDuration } from '../format';
import type { ClusterStatus } from '@hypernode/daemon';

/** The options of `hypernode-cli ps`, as parsed. */
export type PsOptions = ClusterOptions;

/** Declares the `ps` command's options. */
export function psOptions(yargs: Argv): Argv<PsOptions> {
  return clusterOptions(yargs)
    .example('$0 ps', 'List every process of cluster default: name, module and version, worker, parent, mailbox, status')
    .example("$0 ps --json | jq -r '.[] | select(.module == \"Counter\") | .name'", 'The names of the Counter processes')
    .strict();
}

/**
 * `hypernode-cli ps`: every process of the cluster, the root first. Processes of a worker that did not
 * answer in time are missing from the list; a worker its node reports stalled (its event loop blocked) is
 * named on stderr, since its processes cannot be listed while it is.
 */
export async function ps(options: PsOptions, io: CommandIo = terminalIo(options)): Promise<number> {
  const { list, status } = await withCluster(options, timeoutMs(options, 10_000), async (client) => {
    const [list, status] = await Promise.all([client.ps(), client.status()]);
    return { list, status };
  });
  if (options.json) io.out(toJson(list));
  else for (const line of psLines(list)) io.out(line);
  for (const line of stalledWorkerLines(status)) io.err(line);
  return 0;
}

/** A line per worker its node reports stalled: its processes are missing from `ps`. */
export function stalledWorkerLines(status: Pick<ClusterStatus, 'workers'>): string[] {
  return status.workers
    .filter((w) => w.stalledForMs != null)
    .map((w) => `worker '${w.id}' is stalled (silent for ${formatDuration(w.stalledForMs!)}, its event loop blocked): its processes are not listed; see 'hypernode-cli status'`);
}

/**
 * The human form of the process list; a process's registered names follow its name in brackets. MAILBOX is the
 * messages waiting, `/bound` after it for a bounded mailbox, and `!` when it holds at least its worker's warning
 * size (a line under the table says so).
 */
export function psLines(list: ProcessInfo[]): string[] {
  const lines = table(
    ['NAME', 'MODULE', 'VERSION', 'WORKER', 'PARENT', 'MAILBOX', 'STATUS'],
    list.map((p) => [p.names.length ? `${p.name} [${p.names.join(', ')}]` : p.name, p.module, p.version, p.worker, p.parent, mailboxCell(p), p.status]),
  );
  const over = list.filter((p) => p.mailboxOver === true).length;
  if (over > 0) lines.push('', `! ${over === 1 ? '1 mailbox holds' : `${over} mailboxes hold`} at least its worker's mailbox warning size: those processes receive faster than they handle`);
  return lines;
}

function mailboxCell(p: ProcessInfo): string | number {
  if (p.maxMailbox == null && p.mailboxOver !== true) return p.mailboxSize;
  return `${p.mailboxSize}${p.maxMailbox != null ? `/${p.maxMailbox}` : ''}${p.mailboxOver === true ? ' !' : ''}`;
}
