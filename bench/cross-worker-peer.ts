/** The bench's second OS process: hosts worker `b` until told to stop. */
import { startRuntime } from './cross-worker';

const cluster = process.argv[2]!;
const { runtime, transport } = await startRuntime('b', cluster, () => 'b', process.env.HYPERNODE_SECRET || undefined);
process.send?.('ready');
process.on('SIGTERM', async () => {
  await runtime.close();
  await transport.close();
  process.exit(0);
});
