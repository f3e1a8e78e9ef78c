// Run as a program: imports 'hypernode' and prints whether the RabbitMQ or Redis driver got loaded.
import { createRequire } from 'node:module';
import * as hypernode from 'hypernode';

const cache = Object.keys(createRequire(import.meta.url).cache);
const drivers = cache.filter((path) => /[\\/](amqplib|ioredis)[\\/]/.test(path)).length;
const mode = process.argv[2];
if (mode === 'connect') {
  await hypernode.connectCluster({ amqp: 'amqp://127.0.0.1:1', cluster: 'probe' }).catch(() => undefined);
}
const after = Object.keys(createRequire(import.meta.url).cache).filter((path) => /[\\/](amqplib|ioredis)[\\/]/.test(path)).length;
console.log(JSON.stringify({ connectCluster: typeof hypernode.connectCluster, Process: typeof hypernode.Process, driversAtImport: drivers, driversAfter: after }));
