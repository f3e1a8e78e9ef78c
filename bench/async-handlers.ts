/**
 * Ping-pong between promise-heavy handlers (design 016): `async` handlers that each await a resolved promise, and
 * generators that each yield one. Prints the best of 3 runs of 200k round trips, as JSON. Run it with
 * `node --import tsx bench/async-handlers.ts` (add `--import <file that calls new AsyncLocalStorage().enterWith(1)>`
 * to see what an active AsyncLocalStorage alone costs).
 */
import { createCluster, Process, silentLogger } from '../packages/core/src/index';
const n = 200_000;
async function run(kind: 'async' | 'gen'): Promise<number> {
  class P extends Process {
    static override moduleName = 'AP';
    override async processDidReceiveMessage(state: any, msg: any, from: string, ctx: any) {
      await Promise.resolve();
      if (msg.type === 'GO') state.peer = msg.peer;
      else if (--state.left === 0) { ctx.send(state.notify, 'done'); return state; }
      ctx.send(state.peer, { type: 'PING' });
      return state;
    }
  }
  class Q extends Process {
    static override moduleName = 'AQ';
    override async processDidReceiveMessage(state: any, _m: any, from: string, ctx: any) { await Promise.resolve(); ctx.send(from, { type: 'PONG' }); return state; }
  }
  class G extends Process {
    static override moduleName = 'AP';
    override *processDidReceiveMessage(state: any, msg: any, from: string, ctx: any) {
      yield Promise.resolve();
      if (msg.type === 'GO') state.peer = msg.peer;
      else if (--state.left === 0) { ctx.send(state.notify, 'done'); return state; }
      ctx.send(state.peer, { type: 'PING' });
      return state;
    }
  }
  class H extends Process {
    static override moduleName = 'AQ';
    override *processDidReceiveMessage(state: any, _m: any, from: string, ctx: any) { yield Promise.resolve(); ctx.send(from, { type: 'PONG' }); return state; }
  }
  const cluster = await createCluster({ workers: 1, logger: silentLogger, modules: kind === 'async' ? [P, Q] : [G, H] });
  const inbox = cluster.inbox();
  const a = await cluster.spawn('AP', { peer: '', left: n, notify: inbox.name });
  const b = await cluster.spawn('AQ', {});
  const t = performance.now();
  cluster.send(a, { type: 'GO', peer: b });
  await inbox.receive(600_000);
  const rate = n / ((performance.now() - t) / 1000);
  await cluster.stop();
  return rate;
}
const out: Record<string, number> = {};
for (const kind of ['async', 'gen'] as const) {
  let best = 0;
  for (let i = 0; i < 3; i++) best = Math.max(best, await run(kind));
  out[kind] = Math.round(best);
}
console.log(JSON.stringify(out));
