export { AmqpTransport } from './amqp-transport';
export type { AmqpTransportOptions, AmqpLogger } from './amqp-options';
export { DEFAULT_CONNECT_TIMEOUT_MS } from './amqp-options';
export { amqpUrlProblem } from './amqp-url';
export { BrokerObjects } from './broker-objects';
export type { QueueFacts } from './broker-objects';
export { listByManagement, managementTarget } from './management-api';
export type { ManagementListing, ManagementOptions } from './management-api';
