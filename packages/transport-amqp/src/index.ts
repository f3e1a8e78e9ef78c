export { AmqpTransport } from './amqp-transport';
export type { AmqpTransportOptions, AmqpLogger } from './amqp-options';
export { DEFAULT_CONNECT_TIMEOUT_MS } from './amqp-options';
export { amqpUrlProblem } from './amqp-url';
