/**
 * What a node daemon forks for each worker (the same program as `hypernode-worker`): connection settings
 * come from the environment (`HYPERNODE_AMQP_URL`, `HYPERNODE_REDIS_URL`, `HYPERNODE_CLUSTER`, so passwords
 * never show in `ps`), the rest from flags. Tells its node daemon `{ type: 'ready' }` over IPC once up, and
 * stops gracefully when that IPC channel closes (the node daemon died).
 */
import { parseWorkerArgs } from './config';
import { exitIfStuck, failStartup, stopOnSignals } from './signals';
import { startWorker } from './worker-daemon';

async function main(): Promise<void> {
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
  process.exit(0);
}

void main();
