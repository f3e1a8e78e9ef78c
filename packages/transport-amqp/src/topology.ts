/** Deleting what a transport declared on the broker: tests' cleanup (`AmqpTransport.deleteClusterTopology`). */
import { connect as amqpConnect } from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import type { AmqpErrors } from './amqp-errors';

const noop = (): void => {};

/** Deletes `queues` and `exchanges` over a connection of its own to `url` (amqplib's `socket` options); a missing one is skipped. */
export async function deleteTopology(url: string, errors: AmqpErrors, queues: string[], exchanges: string[], socket: object): Promise<void> {
  const conn = await amqpConnect(url, socket).catch((err: unknown) => {
    throw errors.down(err);
  });
  conn.on('error', noop);
  try {
    for (const queue of queues) await onChannel(conn, (ch) => ch.deleteQueue(queue));
    for (const exchange of exchanges) await onChannel(conn, (ch) => ch.deleteExchange(exchange));
  } finally {
    await conn.close().catch(noop);
  }
}

async function onChannel(conn: ChannelModel, op: (ch: Channel) => Promise<unknown>): Promise<void> {
  const ch = await conn.createChannel();
  ch.on('error', noop);
  await op(ch).catch(noop);
  await ch.close().catch(noop);
}
