/**
 * hypernode-worker: hosts processes of a cluster. Usually forked by hypernode-node; run it by hand to add a
 * worker without a node daemon (nobody restarts it then).
 */
import { runWorkerProgram } from '@hypernode/daemon';

await runWorkerProgram();
