export { RedisRegistry } from './redis-registry';
export type { RedisRegistryOptions, RedisRegistryLogger } from './redis-registry';
