/** Where a daemon finds RabbitMQ when neither `--amqp-url` nor `HYPERNODE_AMQP_URL` is given. */
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
/** Where a daemon finds Redis when neither `--redis-url` nor `HYPERNODE_REDIS_URL` is given. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** The cluster name when neither `--cluster` nor `HYPERNODE_CLUSTER` is given. */
export const DEFAULT_CLUSTER = 'default';
/** How long connecting to RabbitMQ or Redis may take when neither `--connect-timeout` nor `HYPERNODE_CONNECT_TIMEOUT_MS` is given. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export { hostOf, maskUrl } from '@hypernode/core/runtime';
