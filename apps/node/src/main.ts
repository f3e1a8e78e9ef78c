/** hypernode-node: one per machine; forks the workers, restarts those that die, drains on SIGTERM. */
import { availableParallelism } from 'node:os';
import { configOrExit, connectAdapters, failStartup, parseNodeArgs, programLogger, refuseUnsafeStart, startNode, stopOnSignals } from '@hypernode/daemon';

const command = 'hypernode-node';
const fail = (err: unknown) => failStartup(command, err);

const config = configOrExit(command, () => parseNodeArgs(process.argv.slice(2), process.env, availableParallelism()));
const logger = programLogger({ role: 'node', cluster: config.cluster, node: config.id }, config);
try {
  refuseUnsafeStart(command, config);
} catch (err) {
  fail(err);
}
const adapters = await connectAdapters(config, logger).catch(fail);
const node = await startNode({ ...config, logger, adapters }).catch(fail);
stopOnSignals((signal) => node.stop(`got ${signal}`));
await node.stopped;
process.exit(0);
