/** hypernode-cluster: hosts the root process and answers admin commands; one per cluster. */
import { configOrExit, connectAdapters, failStartup, parseClusterArgs, programLogger, refuseUnsafeStart, startCluster, stopOnSignals } from '@hypernode/daemon';

const command = 'hypernode-cluster';
const fail = (err: unknown) => failStartup(command, err);

const config = configOrExit(command, () => parseClusterArgs(process.argv.slice(2)));
const logger = programLogger({ role: 'cluster', cluster: config.cluster }, config);
try {
  refuseUnsafeStart(command, config);
} catch (err) {
  fail(err);
}
const adapters = await connectAdapters(config, logger).catch(fail);
const cluster = await startCluster({ ...config, logger, adapters }).catch(fail);
stopOnSignals(() => cluster.stop());
await cluster.stopped;
process.exit(0);
