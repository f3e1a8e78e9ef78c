import { connectAdapters } from './adapters';
import { refuseUnsafeStart } from './safe-default';
import { parseWorkerArgs } from './config';
import { programLogger } from './logger';
import { configOrExit, exitIfStuck, failStartup, stopOnSignals } from './signals';
import { FENCED_EXIT_CODE, startWorker } from './worker-daemon';

/**
 * The worker program (`hypernode-worker`, and what a node daemon forks for each worker): connection
 * settings come from flags or the environment (`HYPERNODE_AMQP_URL`, `HYPERNODE_REDIS_URL`,
 * `HYPERNODE_CLUSTER`, so a node daemon passes passwords without showing them in `ps`). When forked, it tells
 * its node daemon `{ type: 'ready', id }` over IPC once up, and stops gracefully when that IPC channel closes
 * (the node daemon died). While its event loop runs it sends `{ type: 'alive' }` every 500 ms. Resolves never: it
 * exits the process when the worker has stopped, with code 0, or {@link FENCED_EXIT_CODE} when it fenced itself.
 */
export async function runWorkerProgram(): Promise<never> {
  const command = 'hypernode-worker';
  const fail = (err: unknown) => failStartup(command, err);
  const config = configOrExit(command, () => parseWorkerArgs(process.argv.slice(2)));
  const logger = programLogger({ role: 'worker', cluster: config.cluster, ...(config.node !== undefined ? { node: config.node } : {}), worker: config.id }, config);
  try {
    refuseUnsafeStart(command, config);
  } catch (err) {
    fail(err);
  }
  const adapters = await connectAdapters(config, logger).catch(fail);
  // Forked by a node daemon: tell it every 500 ms that the event loop runs (it restarts a worker stuck too long).
  const onAlive = process.send ? () => void (process.connected && process.send?.({ type: 'alive' })) : undefined;
  const worker = await startWorker({ ...config, logger, adapters, onAlive, warnOpenAdmin: !process.send }).catch(fail);
  // Forked by a node daemon: Ctrl-C's SIGINT reached the node daemon too, and it drains this worker (evacuation first).
  stopOnSignals((signal) => worker.stop(`got ${signal}`), undefined, { ignoreSigint: Boolean(process.send) });
  if (process.send) {
    process.send({ type: 'ready', id: worker.id });
    process.on('disconnect', () => {
      exitIfStuck(`worker '${worker.id}', orphaned,`);
      void worker.stop('its node daemon is gone');
    });
  }
  await worker.stopped;
  return process.exit(worker.fenced === undefined ? 0 : FENCED_EXIT_CODE);
}
