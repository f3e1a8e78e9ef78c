/**
 * What a cluster left on a broker, found and deleted by name (`hypernode-cli cluster destroy`): a connection of
 * its own, and a fresh channel per check, since a check of a missing queue or exchange closes its channel
 * with 404.
 */
import { connect as amqpConnect } from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import { AmqpErrors, codeOf } from './amqp-errors';
import { hostOf } from './amqp-url';

/** A queue as the broker reports it. */
export interface QueueFacts {
  name: string;
  /** Consumers now: a consumer means something of the cluster is still listening. */
  consumers: number;
  /** Messages ready in it. */
  messages: number;
}

const noop = (): void => {};

/**
 * Checks and deletes queues and exchanges by their full names on one broker. Driver-free surface; every method
 * but `close` rejects with `TRANSPORT_DOWN` when the connection is lost. Does not list anything: a broker
 * lists its queues only through the management API (see `listByManagement`) or `rabbitmqctl`.
 */
/** What a check of an exclusive queue held by another (live) connection answers: RESOURCE_LOCKED. */
const LOCKED = Symbol('locked');

export class BrokerObjects {
  private constructor(
    private readonly conn: ChannelModel,
    private readonly errors: AmqpErrors,
  ) {}

  /** Connects to `url` (errors name the broker, never the password, and the cluster they are for). */
  static async connect(url: string, cluster: string, timeoutMs: number): Promise<BrokerObjects> {
    const errors = new AmqpErrors(cluster, url, hostOf(url), timeoutMs);
    const conn = await amqpConnect(url, { timeout: timeoutMs }).catch((err: unknown) => {
      throw errors.down(err);
    });
    conn.on('error', noop);
    return new BrokerObjects(conn, errors);
  }

  /** The queue's consumers and messages, or undefined when it does not exist. */
  async queue(name: string): Promise<QueueFacts | undefined> {
    const ok = await this.onChannel((ch) => ch.checkQueue(name), true);
    if (ok === LOCKED) return { name, consumers: 1, messages: 0 }; // an exclusive queue: its connection is alive
    return ok === undefined ? undefined : { name, consumers: ok.consumerCount, messages: ok.messageCount };
  }

  /** Whether the exchange exists. */
  async exchangeExists(name: string): Promise<boolean> {
    return (await this.onChannel((ch) => ch.checkExchange(name))) !== undefined;
  }

  /** Deletes the queue (with the messages in it); resolves with whether it existed. */
  async deleteQueue(name: string): Promise<boolean> {
    if ((await this.queue(name)) === undefined) return false;
    await this.onChannel((ch) => ch.deleteQueue(name));
    return true;
  }

  /** Deletes the exchange; resolves with whether it existed. */
  async deleteExchange(name: string): Promise<boolean> {
    if (!(await this.exchangeExists(name))) return false;
    await this.onChannel((ch) => ch.deleteExchange(name));
    return true;
  }

  async close(): Promise<void> {
    await this.conn.close().catch(noop);
  }

  /**
   * Runs `op` on a fresh channel: its result, or undefined when the broker answered 404 (not found), or
   * {@link LOCKED} when `lockedOk` and it answered 405 (an exclusive queue another connection holds).
   */
  private async onChannel<T>(op: (ch: Channel) => Promise<T>): Promise<T | undefined>;
  private async onChannel<T>(op: (ch: Channel) => Promise<T>, lockedOk: true): Promise<T | typeof LOCKED | undefined>;
  private async onChannel<T>(op: (ch: Channel) => Promise<T>, lockedOk = false): Promise<T | typeof LOCKED | undefined> {
    let ch: Channel;
    try {
      ch = await this.conn.createChannel();
    } catch (err) {
      throw this.errors.down(err);
    }
    ch.on('error', noop);
    try {
      return await op(ch);
    } catch (err) {
      if (codeOf(err) === 404) return undefined;
      if (lockedOk && codeOf(err) === 405) return LOCKED;
      throw this.errors.down(err);
    } finally {
      await ch.close().catch(noop);
    }
  }
}
