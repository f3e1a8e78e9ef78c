/** hypernode-node: one per machine; forks the workers, restarts those that die, drains on SIGTERM. */
import { availableParallelism } from 'node:os';
import { failStartup, parseNodeArgs, startNode, stopOnSignals } from '@hypernode/daemon';

const command = 'hypernode-node';
let parsed: ReturnType<typeof parseNodeArgs>;
try {
  parsed = parseNodeArgs(process.argv.slice(2), process.env, availableParallelism());
} catch (err) {
  failStartup(command, err);
}
if (parsed.help) {
  process.stdout.write(`${parsed.text}\n`);
  process.exit(0);
}
const node = await startNode(parsed.config).catch((err: unknown) => failStartup(command, err));
stopOnSignals((signal) => node.stop(`got ${signal}`));
await node.stopped;
process.exit(0);
