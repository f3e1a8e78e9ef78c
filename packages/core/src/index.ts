export { HypernodeError } from './errors';
export type { HypernodeErrorCode, HypernodeErrorJSON } from './errors';
export { copyData, checkData, encode, decode, decodeMany } from './codec';
export type { Data } from './codec';
export type { Transport, FrameHandler, ListenOptions, Subscription, TransportStats } from './transport';
export type { Registry, ModuleSource, ModuleVersion, MemberRole, MemberInfo, LoadReport } from './registry';
export { systemClock, ManualClock } from './clock';
export type { Clock, TimerHandle } from './clock';
export { MemoryRegistry } from './memory-registry';
