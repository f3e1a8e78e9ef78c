export { AmqpTransport } from './amqp-transport';
export type { AmqpTransportOptions, AmqpLogger } from './amqp-options';
