/**
 * docs/operations.md's least-privilege recipe (broker-permissions.ts), applied with rabbitmqctl on a RabbitMQ node
 * of this file's own (own-servers.ts; never the machine's): a vhost for the cluster, a daemons' user with every
 * permission on it, a clients' user that can reach the admin service only. A real cluster runs as the daemons'
 * user, connectCluster as the clients' user.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { permissionCommands } from './broker-permissions';
import { connectCluster } from './connect-cluster';
import { describeWithOwnServers, startOwnRabbit, startOwnRedis, type OwnRabbit, type OwnRedis } from './own-servers';
import { clusterName, repoPath, testClusterPerTest } from './test-support';

const { start } = testClusterPerTest();
const noop = (): void => {};

/**
 * Publishes `body` as `user`'s connection would, and resolves with what the broker did: `'accepted'` (confirmed)
 * or the reply code and text it closed the channel with.
 */
async function tryPublish(conn: ChannelModel, exchange: string, key: string): Promise<string> {
  const ch = await conn.createConfirmChannel();
  const closed = new Promise<string>((resolve) => ch.on('error', (err: { code?: number; message: string }) => resolve(`${err.code} ${err.message}`)));
  ch.publish(exchange, key, Buffer.from('forged'), { mandatory: false });
  const confirmed = ch.waitForConfirms().then(
    () => 'accepted',
    () => closed,
  );
  const outcome = await Promise.race([confirmed, closed]);
  await ch.close().catch(noop);
  return outcome;
}

/** Consumes `queue` on a channel of its own; resolves with `'consuming'` or the code and text of the refusal. */
async function tryConsume(conn: ChannelModel, queue: string): Promise<string> {
  const ch: Channel = await conn.createChannel();
  const closed = new Promise<string>((resolve) => ch.on('error', (err: { code?: number; message: string }) => resolve(`${err.code} ${err.message}`)));
  const outcome = await Promise.race([ch.consume(queue, noop, { noAck: true }).then(() => 'consuming'), closed]);
  await ch.close().catch(noop);
  return outcome;
}

describeWithOwnServers(['rabbitmq', 'redis'], 'least-privilege broker users (docs/operations.md recipe)', { timeout: 240_000 }, () => {
  let rabbit: OwnRabbit;
  let redis: OwnRedis;
  beforeAll(async () => {
    [rabbit, redis] = await Promise.all([startOwnRabbit(), startOwnRedis()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([rabbit?.stop(), redis?.stop()]);
  }, 30_000);

  it("lets the clients' user run admin requests, and refuses it publishing into a worker's queue, to another service, or an event", async () => {
    const cluster = clusterName();
    const vhost = `hn-${cluster}`;
    const [daemonsPw, clientsPw] = [randomBytes(12).toString('hex'), randomBytes(12).toString('hex')];
    for (const cmd of permissionCommands(vhost, cluster, { daemons: ['hn-daemons', daemonsPw], clients: ['hn-clients', clientsPw] })) await rabbit.rabbitmqctl(cmd);
    const url = (user: string, pw: string) => `amqp://${user}:${pw}@127.0.0.1:${rabbit.port}/${vhost}`;
    const daemonsUrl = url('hn-daemons', daemonsPw);
    const clientsUrl = url('hn-clients', clientsPw);
    const inVhost = (args: string[]) => rabbit.rabbitmqctl([args[0]!, '-p', vhost, ...args.slice(1)]);

    // The cluster's daemons run as the daemons' user; the client (connectCluster) as the clients' user.
    const t = await start([{ id: 'n1', workers: 1 }], { cluster, amqpUrl: daemonsUrl, clientAmqpUrl: clientsUrl, redisUrl: redis.url, rabbitmqctl: inVhost });
    const [worker] = t.workers.get('n1')!;
    expect((await t.client.status()).workers.map((w) => w.id)).toEqual([worker]);
    await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    const counter = await t.client.spawn('Counter', { count: 0 });
    expect((await t.client.ps()).map((p) => p.name)).toContain(counter);

    const clients = await connect(clientsUrl);
    const daemons = await connect(daemonsUrl);
    clients.on('error', noop);
    daemons.on('error', noop);
    try {
      const inbox = `hypernode.${cluster}.inbox.${worker}`;
      // A frame straight into the worker's queue (the default exchange): refused; the daemons' user may.
      expect(await tryPublish(clients, '', inbox)).toMatch(/^403 .*ACCESS_REFUSED - access to exchange 'amq\.default' in vhost '.*' refused for user 'hn-clients'/);
      // A request to the worker's or node's control service, or an event to every member: refused.
      expect(await tryPublish(clients, `hypernode.${cluster}.rpc`, `worker.${worker}`)).toMatch(/^403 .*ACCESS_REFUSED - .*topic '.*worker\..*' .*refused for user 'hn-clients'/);
      expect(await tryPublish(clients, `hypernode.${cluster}.rpc`, 'node.n1')).toMatch(/^403 .*ACCESS_REFUSED/);
      expect(await tryPublish(clients, `hypernode.${cluster}.events`, '')).toMatch(/^403 .*ACCESS_REFUSED - access to exchange 'hypernode\..*\.events' in vhost '.*' refused for user 'hn-clients'/);
      // Nor may it take frames out of the worker's queue.
      expect(await tryConsume(clients, inbox)).toMatch(/^403 .*ACCESS_REFUSED - access to queue 'hypernode\..*\.inbox\..*' in vhost '.*' refused for user 'hn-clients'/);
      // What it may: a request to the admin service (the status above went that way).
      expect(await tryPublish(clients, `hypernode.${cluster}.rpc`, 'admin')).toBe('accepted');
      // The daemons' user is not restricted (control: the refusals above come from the permissions).
      expect(await tryPublish(daemons, `hypernode.${cluster}.rpc`, `worker.${worker}-none`)).toBe('accepted');
    } finally {
      await clients.close().catch(noop);
      await daemons.close().catch(noop);
    }
    // The admin path still works after the refusals (they closed only the probe channels).
    expect((await t.client.status()).workers).toHaveLength(1);

    // `send` from a client with this user publishes into the worker's queue: refused, and the client says why.
    const warnings: string[] = [];
    let warned!: () => void;
    const refused = new Promise<void>((resolve) => (warned = resolve));
    const logger = { debug: noop, info: noop, error: noop, warn: (line: string) => (warnings.push(line), /may not publish there/.test(line) && warned()) };
    const direct = await connectCluster({ cluster, amqp: clientsUrl, redis: redis.url, logger });
    try {
      direct.send(counter, { type: 'INC' });
      await refused;
      const line = warnings.find((l) => /may not publish there/.test(l))!;
      expect(line).toMatch(/ACCESS_REFUSED - access to exchange 'amq\.default'.*refused for user 'hn-clients'.*write permission; see 'Broker permissions' in docs\/operations\.md/);
      expect(warnings.join('\n')).not.toContain(clientsPw);
    } finally {
      await direct.stop();
    }
    // The cluster is unaffected.
    expect((await t.client.status()).workers).toHaveLength(1);
  });
});
