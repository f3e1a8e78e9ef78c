import { parseWorkerArgs } from './config';
import { exitIfStuck, failStartup, stopOnSignals } from './signals';
import { startWorker } from './worker-daemon';

/**
 * The worker program (`hypernode-worker`, and what a node daemon forks for each worker): connection
 * settings come from flags or the environment (`HYPERNODE_AMQP_URL`, `HYPERNODE_REDIS_URL`,
 * `HYPERNODE_CLUSTER`, so a node daemon passes passwords without showing them in `ps`). When forked, it tells
 * its node daemon `{ type: 'ready', id }` over IPC once up, and stops gracefully when that IPC channel closes
 * (the node daemon died). Resolves never: it exits the process when the worker has stopped.
 */
export async function runWorkerProgram(): Promise<never> {
  const parsed = (() => {
    try {
      return parseWorkerArgs(process.argv.slice(2));
    } catch (err) {
      return failStartup('hypernode-worker', err);
    }
  })();
  if (parsed.help) {
    process.stdout.write(`${parsed.text}\n`);
    process.exit(0);
  }
  const worker = await startWorker(parsed.config).catch((err: unknown) => failStartup('hypernode-worker', err));
  stopOnSignals((signal) => worker.stop(`got ${signal}`));
  if (process.send) {
    process.send({ type: 'ready', id: worker.id });
    process.on('disconnect', () => {
      exitIfStuck(`worker '${worker.id}', orphaned,`);
      void worker.stop('its node daemon is gone');
    });
  }
  await worker.stopped;
  return process.exit(0);
}

