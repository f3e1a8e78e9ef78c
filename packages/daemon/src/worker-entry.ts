/** What a node daemon forks for each worker: the worker program (see worker-program.ts). */
import { runWorkerProgram } from './worker-program';

void runWorkerProgram();
