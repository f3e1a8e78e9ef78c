/**
 * The chaos suite (`pnpm test:chaos`, docs/design/033-chaos-suite.md): a real cluster (a cluster daemon, node daemons
 * and their workers, started from source) on a RabbitMQ node and a Redis server of the suite's own, a counting
 * workload of pairs and rings of processes across workers, and a seeded schedule of faults. One round per fault:
 * a fresh workload, traffic, the fault, the cluster back at full size, traffic again, then every link and every
 * ended process is judged. Prints the schedule first and a table per fault kind last; fails on any loss,
 * duplicate or reorder between live peers, any ended process whose living parent was not told once, or a cluster
 * that did not come back to its size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServers, startOwnRabbit, startOwnRedis, type OwnRabbit, type OwnRedis } from '../packages/daemon/src/own-servers';
import { repoPath, type TestCluster, type TestClusterOptions } from '../packages/daemon/src/test-support';
import { startChaosCluster } from './cluster';
import { inject, type ChaosEnv } from './faults';
import { formatTable, percentile, type RoundResult } from './report';
import { describeSchedule, readSettings, schedule, type Fault } from './schedule';
import { awaitTraffic, distinct, reports, startWorkload, until, type Link, type Peer } from './workload';

const settings = readSettings();
const faults = schedule(settings);
const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);
// Stopped from outside (a CI timeout, Ctrl-C on the fork): exit, so that the exit handlers of test-support.ts and
// own-servers.ts kill the daemons and the private servers instead of leaving them running.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(130));

describeWithOwnServers(['rabbitmq', 'redis'], 'the chaos suite', { timeout: 60 * 60_000 }, () => {
  let rabbit: OwnRabbit;
  let redis: OwnRedis;
  let t: TestCluster | undefined;
  let env: ChaosEnv;
  let stateDir: string | undefined;
  const total = settings.nodes * settings.workersPerNode;

  beforeAll(async () => {
    log(describeSchedule(settings, faults));
    // Whatever a daemon keeps on disk for its cluster (e.g. a cluster daemon's state directory) goes to a temporary
    // directory of the run's own, the same for every restart of the daemon, removed after.
    stateDir = mkdtempSync(join(tmpdir(), 'hn-chaos-state-'));
    process.env.HYPERNODE_STATE_DIR = stateDir;
    [rabbit, redis] = await Promise.all([startOwnRabbit(), startOwnRedis()]);
    const servers: TestClusterOptions = { amqpUrl: rabbit.url, redisUrl: redis.url, rabbitmqctl: rabbit.rabbitmqctl, nodeArgs: ['--placement-cost', '100000'] };
    const nodes = Array.from({ length: settings.nodes }, (_, i) => ({ id: `n${i + 1}`, workers: settings.workersPerNode }));
    t = await startChaosCluster(nodes, servers);
    env = { t, rabbit, redis, servers, workersPerNode: settings.workersPerNode };
    await t.client.load(repoPath('chaos/modules/chaos-peer.ts'));
    await t.client.load(repoPath('chaos/modules/chaos-keeper.ts'));
  }, 5 * 60_000);

  afterAll(async () => {
    // The daemons the faults restarted are not among those startTestCluster started: stop them first.
    if (t) for (const d of [...t.nodes.values(), t.clusterDaemon]) await d.stop().catch(() => undefined);
    await t?.stop().catch((err: unknown) => log(`stopping the cluster: ${(err as Error).message}`));
    await Promise.all([rabbit?.stop(), redis?.stop()]);
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 5 * 60_000);

  /**
   * Resolves once the cluster has every node and `total` workers (none of `gone`) that place on each other. `seen`
   * collects each distinct state it saw on the way (with the time since `from`), to say what a slow recovery waited on.
   */
  async function fullSize(gone: string[], seen: string[] = [], from = Date.now()): Promise<string[]> {
    let last = '';
    const note = (state: string) => {
      if (state !== last) seen.push(`${Date.now() - from} ms: ${(last = state)}`);
    };
    return until(`the cluster back at ${settings.nodes} nodes and ${total} workers`, settings.waitMs, async () => {
      let s: Awaited<ReturnType<typeof env.t.client.status>>;
      try {
        s = await env.t.client.status();
      } catch (err) {
        note(`status failed: ${(err as { code?: string }).code ?? (err as Error).message}`);
        throw err;
      }
      const ids = s.workers.map((w) => w.id);
      const placing = s.workers.filter((w) => w.placesOn?.length === total).length;
      note(`${s.nodes.length} nodes, ${ids.length} workers${ids.some((id) => gone.includes(id)) ? ' (some lost ones still listed)' : ''}, ${placing} placing on all`);
      const ok = s.nodes.length === settings.nodes && ids.length === total && !ids.some((id) => gone.includes(id)) && placing === total;
      return ok ? ids.sort() : undefined;
    });
  }

  async function deadLetterCounts(): Promise<Map<string, { dead: number; bad: number }>> {
    const stats = await until('stats of every worker', settings.waitMs, () => env.t.client.stats());
    return new Map(stats.map((s) => [s.worker, { dead: s.deadLetters, bad: s.badFrames }]));
  }

  async function round(fault: Fault): Promise<RoundResult> {
    const result: RoundResult = { fault, note: '', links: 0, sent: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, ended: 0, told: 0, toldTwice: 0, notTold: 0, toldMs: [], fullMs: 0, deadLetters: 0, badFrames: 0, failures: [] };
    const fail = (why: string) => result.failures.push(`#${fault.index + 1} ${fault.kind}: ${why}`);
    const workersBefore = await fullSize([]);
    const countsBefore = await deadLetterCounts();
    const w = await startWorkload(env.t.client, workersBefore, settings, fault.index + 1);
    result.links = w.links.length;
    const pre = await awaitTraffic(env.t.client, w.links, () => settings.linkMessages, settings.waitMs, `${settings.linkMessages} messages on every link before the fault`);

    const t0 = Date.now();
    const effect = await inject(env, fault, w);
    const t1 = Date.now();
    result.note = `${effect.note} [${t1 - t0} ms]`;
    if (effect.error) fail(effect.error);
    const lost = new Set(effect.lostWorkers);
    const deadKeepers = new Set(w.keepers.filter((k) => lost.has(k.worker)).map((k) => k.name));
    const ended = new Set<Peer>(w.peers.filter((p) => lost.has(p.worker) || deadKeepers.has(p.keeper)));
    const live = w.peers.filter((p) => !ended.has(p));
    const liveLinks = w.links.filter((l) => !ended.has(l.from) && !ended.has(l.to));
    // A relay whose upstream ended has nothing more to forward: its outgoing link is judged, but not waited on for traffic.
    const fed = (l: Link) => !l.from.relay || w.links.every((u) => u.to !== l.from || !ended.has(u.from));

    let workersAfter: string[] = [];
    const seen: string[] = [];
    try {
      workersAfter = await fullSize(effect.lostWorkers, seen, t1);
      result.fullMs = Date.now() - t1;
    } catch (err) {
      fail(`${(err as Error).message}; states seen: ${seen.join('; ')}`);
      result.fullMs = NaN;
    }
    if (result.fullMs > 10_000) log(`#${fault.index + 1} ${fault.kind}: back at full size after ${result.fullMs} ms; states seen: ${seen.join('; ')}`);
    if (effect.lostWorkers.length === 0 && workersAfter.length && workersAfter.join() !== workersBefore.join()) {
      fail(`the workers changed though the fault killed none: before ${workersBefore.join(', ')}, after ${workersAfter.join(', ')}`);
    }

    // Traffic again, on every live link, past what it had carried before the fault.
    const base = (l: Link) => distinct(pre.get(l.to.id)?.recv[l.from.id]);
    try {
      await awaitTraffic(env.t.client, liveLinks.filter(fed), (l) => base(l) + settings.linkMessages, settings.waitMs, `${settings.linkMessages} more messages on every live link after the fault`);
    } catch (err) {
      fail((err as Error).message);
    }

    // Stop the senders (each sends END with its last number), wait for the ENDs, then judge each live link.
    // Senders first; a relay stops once the END of each live link into it arrived (so it forwarded everything).
    const stop = async (peers: Peer[]) => {
      for (const p of peers) {
        await until(`STOP of peer '${p.name}'`, settings.waitMs, () => env.t.client.call(p.name, { type: 'STOP' }, 5000)).catch((err: unknown) => fail((err as Error).message));
      }
    };
    await stop(live.filter((p) => !p.relay));
    const relays = live.filter((p) => p.relay);
    const intoRelays = liveLinks.filter((l) => l.to.relay);
    if (intoRelays.length) {
      await until('the END of every live link into a relay', settings.waitMs, async () => {
        const r = await reports(env.t.client, relays);
        return intoRelays.every((l) => r.get(l.to.id)?.recv[l.from.id]?.end != null) ? true : undefined;
      }).catch((err: unknown) => fail((err as Error).message));
    }
    await stop(relays);
    let final = await reports(env.t.client, live);
    try {
      final = await until('the END of every live link', settings.waitMs, async () => {
        const r = await reports(env.t.client, live);
        return liveLinks.every((l) => r.get(l.to.id)?.recv[l.from.id]?.end != null) ? r : undefined;
      });
    } catch (err) {
      fail((err as Error).message);
    }
    for (const p of live) if (!final.has(p.id)) fail(`peer '${p.name}' (${p.id}), which no fault ended, does not answer`);
    for (const l of liveLinks) {
      const sender = final.get(l.from.id);
      const receiver = final.get(l.to.id);
      if (!sender || !receiver) continue;
      const sent = sender.sent[l.to.name] ?? 0;
      const track = receiver.recv[l.from.id];
      const got = distinct(track);
      const lostHere = Math.max(0, sent - got);
      result.sent += sent;
      result.delivered += got;
      result.lost += lostHere;
      result.duplicated += track?.duplicated ?? 0;
      result.reordered += track?.reordered ?? 0;
      const what = `${l.kind} link ${l.from.id} '${l.from.name}' -> ${l.to.id} '${l.to.name}'`;
      if (lostHere > 0) fail(`${what} lost ${lostHere} of ${sent} messages (gaps ${JSON.stringify(track?.gaps.slice(0, 5) ?? [])}${(track?.gaps.length ?? 0) > 5 ? ', ...' : ''})`);
      if (track?.duplicated) fail(`${what} delivered ${track.duplicated} duplicates`);
      if (track?.reordered) fail(`${what} delivered ${track.reordered} messages out of order`);
      if (track && track.end !== null && track.end !== sent) fail(`${what}: END says ${track.end} sent, the sender says ${sent}`);
    }

    // Parents: every ended peer whose keeper lives (the placed peers' parent is the root, not checked here) was reported to it exactly once; nothing else was reported.
    const liveKeepers = w.keepers.filter((k) => !deadKeepers.has(k.name));
    const keeperNames = new Set(w.keepers.map((k) => k.name));
    const expectTold = [...ended].filter((p) => keeperNames.has(p.keeper) && !deadKeepers.has(p.keeper));
    result.ended = ended.size;
    const told = new Map<string, { child: string; err: unknown; at: number }[]>();
    const readTold = async () => {
      for (const k of liveKeepers) told.set(k.name, await env.t.client.call<{ child: string; err: unknown; at: number }[]>(k.name, { type: 'TOLD' }, 5000));
    };
    try {
      await until('every living parent told of its ended children', settings.waitMs, async () => {
        await readTold();
        return expectTold.every((p) => told.get(p.keeper)?.some((e) => e.child === p.name)) ? true : undefined;
      });
    } catch (err) {
      fail((err as Error).message);
    }
    for (const p of expectTold) {
      const entries = told.get(p.keeper)?.filter((e) => e.child === p.name) ?? [];
      if (entries.length === 0) {
        result.notTold++;
        fail(`parent '${p.keeper}' was never told that '${p.name}' (on lost worker '${p.worker}') ended`);
      } else {
        result.told++;
        result.toldMs.push(entries[0]!.at - t0);
        if (entries.length > 1) {
          result.toldTwice++;
          fail(`parent '${p.keeper}' was told ${entries.length} times that '${p.name}' ended`);
        }
      }
    }
    for (const [keeper, entries] of told) {
      for (const e of entries) {
        if (!expectTold.some((p) => p.name === e.child)) fail(`parent '${keeper}' was told that '${e.child}', which no fault ended, ended: ${JSON.stringify(e.err)}`);
      }
    }

    // Dead letters: messages to ended peers must show up as dead letters.
    const countsAfter = await deadLetterCounts();
    for (const [worker, c] of countsAfter) {
      const b = countsBefore.get(worker) ?? { dead: 0, bad: 0 };
      result.deadLetters += Math.max(0, c.dead - b.dead);
      result.badFrames += Math.max(0, c.bad - b.bad);
    }
    const sentToEnded = w.links.some((l) => !ended.has(l.from) && ended.has(l.to));
    if (sentToEnded && result.deadLetters === 0) fail('live peers kept sending to ended peers, yet no worker counted a dead letter');
    if (fault.kind === 'garbage-frames' && result.badFrames === 0) fail('the workers counted no bad frame after garbage was published into their queues');

    await endWorkload().catch((err: unknown) => fail((err as Error).message));
    return result;
  }

  /** Ends every ChaosKeeper (their peers end with them), then every ChaosPeer left, and waits until `ps` lists none. */
  async function endWorkload(): Promise<void> {
    const isChaos = (m: string) => m === 'ChaosPeer' || m === 'ChaosKeeper';
    await until('the workload of the round ended', settings.waitMs, async () => {
      const ps = (await env.t.client.ps()).filter((p) => isChaos(p.module));
      if (ps.length === 0) return true;
      const keepers = ps.filter((p) => p.module === 'ChaosKeeper');
      for (const p of keepers.length ? keepers : ps) await env.t.client.kill(p.name, 'shutdown');
      return undefined;
    });
  }

  it('loses, duplicates and reorders nothing between live processes, tells every parent, and comes back to full size under every fault', async () => {
    const results: RoundResult[] = [];
    for (const fault of faults) {
      const started = Date.now();
      let r: RoundResult;
      try {
        r = await round(fault);
      } catch (err) {
        // A round that could not run to its end (no workload, no cluster) is a failure of the round, reported in the table.
        await endWorkload().catch((e: unknown) => log(`ending the aborted round's workload: ${(e as Error).message}`));
        r = { fault, note: 'round aborted', links: 0, sent: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, ended: 0, told: 0, toldTwice: 0, notTold: 0, toldMs: [], fullMs: NaN, deadLetters: 0, badFrames: 0, failures: [`#${fault.index + 1} ${fault.kind}: round aborted: ${(err as Error).message}`] };
      }
      results.push(r);
      log(`#${fault.index + 1} ${fault.kind}: ${r.note}; ${r.delivered}/${r.sent} delivered, lost ${r.lost}, dup ${r.duplicated}, reord ${r.reordered}, ended ${r.ended}, told ${r.told}${r.toldMs.length ? ` (max ${Math.max(...r.toldMs)} ms)` : ''}, full size after ${r.fullMs} ms, dead letters ${r.deadLetters}; ${r.failures.length} failures; round ${Date.now() - started} ms`);
      for (const f of r.failures.slice(0, 10)) log(`  FAIL ${f}`);
    }
    log(`\n${formatTable(results)}\n${describeSchedule(settings, faults).split('\n')[0]}`);
    void percentile;
    expect(results.flatMap((r) => r.failures)).toEqual([]);
  });
});
