/**
 * hypernode-worker: hosts processes of a cluster. Usually forked by hypernode-node; run it by hand to add a
 * worker without a node daemon (nobody restarts it then).
 */
import { exitIfStuck, failStartup, parseWorkerArgs, startWorker, stopOnSignals } from '@hypernode/daemon';

const command = 'hypernode-worker';
let parsed: ReturnType<typeof parseWorkerArgs>;
try {
  parsed = parseWorkerArgs(process.argv.slice(2));
} catch (err) {
  failStartup(command, err);
}
if (parsed.help) {
  process.stdout.write(`${parsed.text}\n`);
  process.exit(0);
}
const worker = await startWorker(parsed.config).catch((err: unknown) => failStartup(command, err));
stopOnSignals((signal) => worker.stop(`got ${signal}`));
if (process.send) {
  // Forked by a node daemon that uses this program as its worker entry.
  process.send({ type: 'ready', id: worker.id });
  process.on('disconnect', () => {
    exitIfStuck(`worker '${worker.id}', orphaned,`);
    void worker.stop('its node daemon is gone');
  });
}
await worker.stopped;
process.exit(0);
