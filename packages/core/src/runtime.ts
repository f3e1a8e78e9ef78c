/**
 * `@hypernode/core/runtime`: the pieces hypernode's own packages are built from (the daemons, the scheduler,
 * the CLI, the benchmarks) and what an adapter author implements or tests against (the `Transport` and
 * `Registry` interfaces, their in-memory implementations, the registry's argument checks).
 *
 * Applications and module authors do not need it: everything they use is exported by `@hypernode/core` (and
 * `hypernode`). This entry follows the versions of `@hypernode/core` but carries no semver promise beyond
 * hypernode's own packages and adapter authors: a minor version may change it, with a changeset that says so.
 *
 * The in-memory transport and registry live here rather than in `@hypernode/core/testing`: they are what the
 * embedded cluster runs on and the reference an adapter's behaviour is held to, while `testing` holds the
 * contract suites that check an adapter (and run against them in core).
 */

// The worker runtime and its assembly.
export { WorkerRuntime, workerLostEvent } from './worker';
export type { WorkerOptions } from './worker';
export type { MoveOutcome, MoveRefusal, EvacuateOutcome } from './relocation';
export { createWorkerRuntime } from './create-runtime';
export { Reconciler } from './reconciler';
export type { ReconcilePort, ReconcilerSetup, ReconcileStats } from './reconciler';
export { LOST_WORKERS_KEY, LOST_RECORD_TTL_MS, LOST_RECORD_MAX, readLostWorkers, recordLostWorkers, parseLostWorkers } from './lost-workers';
export type { LostWorker } from './lost-workers';
export type { WorkerRuntimeSetup } from './create-runtime';
export { ModuleTable, ClassCatalog } from './modules';
export type { ModuleEntry, ModuleVerification } from './modules';
export { builtinModules } from './builtins';
export { LoadPlacer } from './placement';
export type { LoadPlacerOptions, WorkerLoadInfo } from './placement';
export { LoadMeter } from './load-meter';
export { DEAD_LETTER_REASONS, newestRecords, RECENT, recentArgs } from './live-stats';
export { checkMaxMailbox, DEFAULT_MAILBOX_WARN, MAILBOX_LOG_MS, NO_BOUND } from './mailbox-bound';
export { largestMailboxes, MemoryGuard, v8Heap } from './memory-guard';
export { byBusiest, TOP_PROCESSES } from './top-sampler';
export type { WorkerTop } from './top-sampler';
export { isolateProcessCrashes } from './crash-isolation';
export { asLogger } from './logger';
export { STALL_WARN_MS } from './turn-watch';
export type { StallReport, TurnInfo } from './turn-watch';

// The placement policy: one implementation for the embedded cluster (LoadPlacer) and @hypernode/scheduler,
// which re-exports it (docs/design/013).
export { LOAD_WEIGHTS, loadScore } from './load-score';
export { Placer } from './placer';
export { placeSpawn } from './place-spawn';
export type { WorkerLoad, ScoringOptions, PlacementOptions, PlacerOptions } from './placement-rules';
export * as placementRules from './placement-rules';

// Module code: bundling, evaluation, naming, and the API module code is given.
export { bundleModuleFile, evaluateModule, moduleNameOf, hashCode } from './module-loader';
export type { BundledModule, ModuleClass } from './module-loader';
export { moduleApi } from './module-api';
export { moduleSealKey, sealOf, failedModuleCheck, verifyModuleRecord, tamperedError } from './module-seal';
export type { ModuleCheck } from './module-seal';
export type { ModuleApi } from './module-api';

// The wire: the codec's byte forms, and exit reasons as data.
export { encode, decode, decodeMany } from './codec';
export { describeReason, toExitReason } from './exit-reason';

// The adapter contracts and their in-memory implementations.
export type { Transport, FrameHandler, ListenOptions, RequestHandler, RequestMeta, Subscription, TransportStats, TransportFlow, DeliveryStats } from './transport';
export type { Registry, ModuleSource, ModuleVersion, MemberRole, MemberInfo, LoadReport } from './registry';
export { MemoryNetwork } from './memory-transport';
export { ACK_DELAY_MS, ACK_EVERY, DEFAULT_WINDOW_BYTES, DEFAULT_WINDOW_FRAMES, DELIVERY_TRAILER_MAX, deliveredContent, reliableDelivery, ReliableTransport } from './reliable-delivery';
export type { ReliableDeliveryOptions } from './reliable-delivery';
export { authenticateTransport, DEFAULT_REPLAY_WINDOW_MS, FRAME_MAC_BYTES, FRAME_TAG, FRAME_TRAILER_BYTES } from './authenticated-transport';
export type { AuthenticatedTransportOptions, ForgedCause } from './authenticated-transport';
export { DEFAULT_MAX_MESSAGE_BYTES, MIN_MAX_MESSAGE_BYTES, MAX_MAX_MESSAGE_BYTES, formatBytes, maxMessageBytesOf } from './message-size';
export { MemoryRegistry } from './memory-registry';
export * as registryArguments from './registry-arguments';

// What the embedded cluster and connectCluster's client share (send, call, inbox, stop, the module listing).
export { ClusterBase, listLoadedModules, moduleNotLoadedMessage } from './cluster-base';
export { checkSameOrigin, DISTRIBUTED_LOAD_HINT } from './loaded-modules';
export type { ClusterBaseOptions } from './cluster-base';

// How adapters and daemons show a URL (password masked).
export { hostOf, maskUrl } from './url-text';
export { tlsProblem, tlsResetProblem } from './tls-text';
export type { TlsOptions } from './tls-text';

// The cluster secret and the keys derived from it (docs/security.md).
export { deriveKey, roleSecret, macOf, macEquals, readSecret, ROLES, MIN_SECRET_BYTES } from './secret';
export type { Role, KeyPurpose, SecretSource } from './secret';
export { exitKind } from './live-stats';
