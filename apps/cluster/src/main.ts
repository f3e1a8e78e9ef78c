/** hypernode-cluster: hosts the root process and answers admin commands; one per cluster. */
import { failStartup, parseClusterArgs, startCluster, stopOnSignals } from '@hypernode/daemon';

const command = 'hypernode-cluster';
let parsed: ReturnType<typeof parseClusterArgs>;
try {
  parsed = parseClusterArgs(process.argv.slice(2));
} catch (err) {
  failStartup(command, err);
}
if (parsed.help) {
  process.stdout.write(`${parsed.text}\n`);
  process.exit(0);
}
const cluster = await startCluster(parsed.config).catch((err: unknown) => failStartup(command, err));
stopOnSignals(() => cluster.stop());
await cluster.stopped;
process.exit(0);
