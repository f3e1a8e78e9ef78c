import { createCluster, Process, silentLogger, type Context } from '../packages/core/src/index';

type Msg = { type: string; n: number };

class Pinger extends Process<{ peer: string; left: number; notify: string }, Msg> {
  static override moduleName = 'BenchPinger';
  override *processDidReceiveMessage(state: { peer: string; left: number; notify: string }, msg: Msg, _from: string, ctx: Context) {
    if (msg.type === 'GO') state.peer = (msg as unknown as { peer: string }).peer;
    else if (--state.left === 0) {
      ctx.send(state.notify, 'done');
      return state;
    }
    ctx.send(state.peer, { type: 'PING', n: state.left });
    return state;
  }
}

class Ponger extends Process<object, Msg> {
  static override moduleName = 'BenchPonger';
  override *processDidReceiveMessage(state: object, msg: Msg, from: string, ctx: Context) {
    ctx.send(from, { type: 'PONG', n: msg.n });
    return state;
  }
}

class Sink extends Process<{ left: number; notify: string }, Msg> {
  static override moduleName = 'BenchSink';
  override *processDidReceiveMessage(state: { left: number; notify: string }, _msg: Msg, _from: string, ctx: Context) {
    if (--state.left === 0) ctx.send(state.notify, 'done');
    return state;
  }
}

/** Sends `count` messages in bursts of `burst`, letting the receiver drain between bursts. */
class Blaster extends Process<{ to: string; count: number; burst: number; sent: number }, Msg> {
  static override moduleName = 'BenchBlaster';
  override *processDidReceiveMessage(state: { to: string; count: number; burst: number; sent: number }, _msg: Msg, _from: string, ctx: Context) {
    const { send } = ctx;
    const end = Math.min(state.count, state.sent + state.burst);
    for (let i = state.sent; i < end; i++) send(state.to, { type: 'M', n: i });
    state.sent = end;
    if (end < state.count) send(ctx.getProcessName(), { type: 'NEXT', n: end });
    return state;
  }
}

class Idle extends Process<object> {
  static override moduleName = 'BenchIdle';
}

export async function pingPong(roundTrips: number): Promise<number> {
  const cluster = await createCluster({ workers: 1, logger: silentLogger });
  await cluster.load(Pinger);
  await cluster.load(Ponger);
  const inbox = cluster.inbox();
  const a = await cluster.spawn('BenchPinger', { peer: '', left: roundTrips, notify: inbox.name });
  const b = await cluster.spawn('BenchPonger', {});
  const t = performance.now();
  cluster.send(a, { type: 'GO', peer: b });
  await inbox.receive(600_000);
  const s = (performance.now() - t) / 1000;
  await cluster.stop();
  return roundTrips / s;
}

/** One-way messages per second from one process to another on one worker; `maxMailbox` bounds the receiver's mailbox (design 030). */
export async function oneWay(count: number, burst = count, maxMailbox?: number): Promise<number> {
  const cluster = await createCluster({ workers: 1, logger: silentLogger });
  await cluster.load(Sink);
  await cluster.load(Blaster);
  const inbox = cluster.inbox();
  const state = { left: count, notify: inbox.name };
  const sink = maxMailbox === undefined ? await cluster.spawn('BenchSink', state) : await cluster.spawn('BenchSink', state, { maxMailbox });
  const blaster = await cluster.spawn('BenchBlaster', { to: sink, count, burst, sent: 0 });
  const t = performance.now();
  cluster.send(blaster, { type: 'GO', n: 0 });
  await inbox.receive(600_000);
  const s = (performance.now() - t) / 1000;
  await cluster.stop();
  return count / s;
}

export async function spawnRate(count: number): Promise<number> {
  const cluster = await createCluster({ workers: 1, logger: silentLogger });
  await cluster.load(Idle);
  const worker = (cluster as any).workers[0];
  const root = cluster.root;
  const t = performance.now();
  for (let i = 0; i < count; i++) worker.spawnAsChild(root, 'BenchIdle', { i });
  await new Promise<void>((r) => setImmediate(r));
  while ((worker as any).scheduled) await new Promise<void>((r) => setImmediate(r));
  const s = (performance.now() - t) / 1000;
  await cluster.stop();
  return count / s;
}

export async function bytesPerProcess(count: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const cluster = await createCluster({ workers: 1, logger: silentLogger });
  await cluster.load(Idle);
  const worker = (cluster as any).workers[0];
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) worker.spawnAsChild(cluster.root, 'BenchIdle', { i });
  while ((worker as any).scheduled) await new Promise<void>((r) => setImmediate(r));
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const per = (after - before) / count;
  await cluster.stop();
  return per;
}
