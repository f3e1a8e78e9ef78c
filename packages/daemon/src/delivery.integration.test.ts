/**
 * Exactly-once, in-order delivery between workers while the broker fails (design 028), on a RabbitMQ node of this
 * file's own (own-servers.ts): the machine's broker is never cut or restarted. A NumberedSender on one worker
 * sends 1..N to a NumberedReceiver on the other while the broker drops every connection or restarts (stop_app and
 * start_app, or the whole node stopped and started); the receiver
 * must see every number once, in order.
 */
import { expect, it } from 'vitest';
import { describeWithOwnServers, useOwnRabbit, type OwnRabbit } from './own-servers';
import { eventually, repoPath, testClusterPerTest, type TestCluster } from './test-support';

const { start } = testClusterPerTest();

interface Seen {
  next: number;
  received: number;
  duplicates: number;
  gaps: number;
  anomalies: string[];
}

const TOTAL = 20_000;

/**
 * Starts numbered traffic between the two workers of a fresh cluster on `rabbit`, runs `outage` once the receiver
 * has some of it, then waits until the receiver has every number and checks it saw each once, in order.
 */
async function noLossThrough(rabbit: OwnRabbit, outage: (t: TestCluster) => Promise<void>, reconnectMs: number): Promise<void> {
  const t = await start([{ id: 'n1', workers: 2 }], { amqpUrl: rabbit.url, rabbitmqctl: rabbit.rabbitmqctl });
  const [a, b] = t.workers.get('n1')!;
  await t.client.load(repoPath('packages/daemon/test-fixtures/numbered-sender.ts'));
  await t.client.load(repoPath('packages/daemon/test-fixtures/numbered-receiver.ts'));
  const receiver = await t.client.spawn('NumberedReceiver', { next: 1, received: 0, duplicates: 0, gaps: 0, anomalies: [] }, { worker: b });
  const sender = await t.client.spawn('NumberedSender', { to: receiver, total: TOTAL, burst: 20, everyMs: 10 }, { worker: a });
  expect(sender.startsWith(`${a}:`)).toBe(true);
  expect(receiver.startsWith(`${b}:`)).toBe(true);
  // Traffic is flowing before the outage starts.
  await eventually(async () => (((await t.client.call(receiver, { type: 'GET' })) as Seen).received > 0 ? true : undefined), 30_000, 'the first numbers');

  const node = t.nodes.get('n1')!;
  const mark = node.lines.length;
  const clusterMark = t.clusterDaemon.lines.length;
  // The sender needs at least TOTAL / burst ticks of 10 ms (10 s), so the outage most likely cuts traffic in flight;
  // how much is printed below, not asserted (it depends on how busy the machine is).
  const before = (await t.client.call(sender, { type: 'GET' })) as { sent: number };
  await outage(t);
  for (const who of [`worker ${a}`, `worker ${b}`]) await node.waitFor(new RegExp(`\\[${who}\\] reconnected to RabbitMQ`), reconnectMs, mark);
  // The cluster daemon reconnects on its own backoff (up to 5 s apart), which may end after the workers': until it
  // has declared its admin queue again, a status request comes back unroutable.
  await t.clusterDaemon.waitFor(/reconnected to RabbitMQ/, reconnectMs, clusterMark);

  const seen = await eventually(async () => {
    const s = (await t.client.call(receiver, { type: 'GET' }).catch(() => undefined)) as Seen | undefined;
    return s !== undefined && s.next > TOTAL ? s : undefined;
  }, 120_000, `all ${TOTAL} numbers at the receiver`);
  expect(seen).toEqual({ next: TOTAL + 1, received: TOTAL, duplicates: 0, gaps: 0, anomalies: [] });
  expect(await t.client.call(sender, { type: 'GET' })).toEqual({ sent: TOTAL });
  const status = await eventually(async () => {
    const s = await t.client.status().catch(() => undefined);
    return s !== undefined && s.workers.length === 2 ? s : undefined;
  }, 30_000, 'a status with both workers');
  expect(status.workers.map((w) => w.id).sort()).toEqual([a, b].sort());
  const stats = status.workers.find((w) => w.id === a)!.stats!;
  expect(stats.deadLetters).toBe(0);
  console.log(`[delivery] ${TOTAL} numbers, ${before.sent} sent before the outage; worker ${a} sent ${stats.framesResent ?? 0} frames again`);
}

describeWithOwnServers(['rabbitmq'], 'delivery between workers when the broker fails', { timeout: 300_000 }, () => {
  const rabbit = useOwnRabbit();

  it('the broker closes every connection (rabbitmqctl close_connection): every number arrives once, in order', async () => {
    await noLossThrough(rabbit(), async (t) => {
      expect(await rabbit().closeConnections(`"hypernode.${t.cluster}.`)).toBeGreaterThanOrEqual(4);
    }, 60_000);
  });

  it('RabbitMQ stop_app/start_app (every connection and every queue gone): every number arrives once, in order', async () => {
    await noLossThrough(rabbit(), () => rabbit().restart(), 90_000);
  });

  it('RabbitMQ fully stopped and started again (its Erlang node ends): every number arrives once, in order', async () => {
    await noLossThrough(rabbit(), () => rabbit().fullRestart(), 150_000);
  });
});
