export { RedisRegistry, DEFAULT_CONNECT_TIMEOUT_MS } from './redis-registry';
export type { RedisRegistryOptions, RedisRegistryLogger } from './redis-registry';
export { redisUrlProblem } from './redis-url';
