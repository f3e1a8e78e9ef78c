/**
 * `hypernode`: the package applications import. It re-exports the whole public API of `@hypernode/core`
 * (Process, createCluster, Inbox, HypernodeError, the codec, the in-memory transport and registry, ...),
 * so `import { Process } from 'hypernode'` and `import { Process } from '@hypernode/core'` give the same class.
 */
export * from '@hypernode/core';
