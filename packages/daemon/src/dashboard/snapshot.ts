/**
 * What the web dashboard shows, built once a second from the cluster daemon's own admin handlers (called in
 * process, no broker round trip): the process tree, workers and nodes with a few minutes of load history,
 * modules and their versions, recent exits and dead letters. Admin methods another part of hypernode may add
 * (`top`, `exits`, `dead-letters`) are used when present and reported as not available otherwise.
 */
import type { ExitKind, ExitReason, ExitRecord, LoadedModule, ProcessInfo } from '@hypernode/core';
import { describeReason, exitKind, type ModuleVersion, type Registry } from '@hypernode/core/runtime';
import type { ClusterStatus } from '../admin-service';
import type { ChildExits } from '../child-exits';
import { ROOT_NAME } from '../root-process';
import type { RpcHandler } from '../rpc';

/** Points of history kept per worker and node: 3 minutes at one snapshot a second. */
export const HISTORY_POINTS = 180;
/** Exits kept by the dashboard itself when the admin service has no `exits`. */
export const EXITS_KEPT = 100;
/** Processes sent at most per snapshot (about 900 KiB of JSON); the rest are counted in `processesTotal`. */
export const MAX_PROCESSES = 5000;
/** How often the module list (and new versions' details) are read again. */
const MODULES_EVERY_MS = 5000;

/** How a process ended, as the dashboard groups exits. */
export type { ExitKind };

/** One exit in the dashboard's list: as a worker records it (core's live-stats.ts). */
export type ExitRow = ExitRecord;

/** One dead letter in the dashboard's list. */
export interface DeadLetterRow {
  at: number;
  worker: string;
  from: string;
  to: string;
  reason: string;
}

/** One process as the dashboard shows it. */
export interface ProcessRow {
  name: string;
  module: string;
  version: number;
  worker: string;
  parent: string | null;
  mailbox: number;
  status: ProcessInfo['status'];
  names: string[];
  /** Messages handled per second (from `top`), or null when not available. */
  msgsInPerSec: number | null;
  /** Ended processes of the same module under the same parent that did not end normally (a supervisor's restarts). */
  restarts: number;
  /** Milliseconds since it was spawned (from `top`), else since the dashboard first saw it. */
  ageMs: number;
  ageFrom: 'spawn' | 'seen';
}

/** One sample of a worker's or node's load. */
export interface LoadPoint {
  at: number;
  msgsPerSec: number;
  processes: number;
  eventLoopDelayMs: number;
}

/** One worker as the dashboard shows it. */
export interface WorkerRow {
  id: string;
  node: string | null;
  pid: number | null;
  draining: boolean;
  stalledForMs: number | null;
  processes: number;
  backlog: number;
  rssBytes: number | null;
  eventLoopDelayMs: number | null;
  cpuPercent: number | null;
  msgsPerSec: number;
  deadLettersPerSec: number;
  /** Whether it answered the last `status` (its counters are then current). */
  answered: boolean;
  history: LoadPoint[];
}

/** One node as the dashboard shows it. */
export interface NodeRow {
  id: string;
  host: string | null;
  pid: number | null;
  workers: string[];
  draining: boolean;
  history: LoadPoint[];
}

/** One version of a module. */
export interface ModuleVersionRow {
  version: number;
  hash: string;
  loadedAt: number | null;
  processes: number;
}

/** One module with its versions, newest first. */
export interface ModuleRow {
  name: string;
  version: number;
  hash: string;
  versions: ModuleVersionRow[];
}

/** What the dashboard pushes to the page each second. */
export interface Snapshot {
  at: number;
  cluster: string;
  daemon: ClusterStatus['daemon'] | null;
  /** At most {@link MAX_PROCESSES}, the root's worker's first. */
  processes: ProcessRow[];
  /** How many processes run in all. */
  processesTotal: number;
  workers: WorkerRow[];
  nodes: NodeRow[];
  modules: ModuleRow[];
  exits: ExitRow[];
  /** Null when the admin service has no `dead-letters`. */
  deadLetters: DeadLetterRow[] | null;
  /** Which optional admin methods answered, and sections that failed, by name. */
  available: { top: boolean; exits: boolean; deadLetters: boolean };
  errors: Record<string, string>;
}

/** What {@link SnapshotBuilder} reads. */
export interface SnapshotSource {
  cluster: string;
  /** The cluster daemon's admin handlers (`AdminService.handlers()`). */
  handlers: Record<string, RpcHandler>;
  /** The root's record of its children's exits: the exits shown when there is no `exits` handler. */
  childExits?: Pick<ChildExits, 'listen'>;
  /** Reads when each module version was stored; without it versions have no time. */
  registry?: Pick<Registry, 'getModuleVersion'>;
  now: () => number;
}

interface TopLike {
  workers?: { id: string; cpuPercent?: number; msgsInPerSec?: number; deadLettersPerSec?: number }[];
  processes?: { name: string; msgsInPerSec?: number; ageMs?: number }[];
}

export { exitKind };

/** The text of an exit reason (an error's `name: message`, a string, or JSON): core's `describeReason`. */
export function reasonText(reason: unknown): string {
  return describeReason(reason as ExitReason) ?? String(reason);
}

function push<T>(ring: T[], item: T, max: number): void {
  ring.push(item);
  if (ring.length > max) ring.splice(0, ring.length - max);
}

/**
 * Builds {@link Snapshot}s and keeps what the page needs across them: load history per worker and node, the
 * counters of the previous snapshot (for rates), when each process was first seen, and (without an `exits`
 * handler) the root's children's exits. Not safe to call `build` concurrently; the server does not.
 */
export class SnapshotBuilder {
  private readonly workerHistory = new Map<string, LoadPoint[]>();
  private readonly nodeHistory = new Map<string, LoadPoint[]>();
  private readonly lastCounters = new Map<string, { at: number; delivered: number; deadLetters: number }>();
  private readonly firstSeen = new Map<string, number>();
  private readonly moduleOf = new Map<string, string>();
  private readonly ownExits: ExitRow[] = [];
  private readonly versionTimes = new Map<string, number | null>();
  private modules: LoadedModule[] = [];
  private modulesAt = -Infinity;
  private readonly unlisten: () => void;

  constructor(private readonly source: SnapshotSource) {
    this.unlisten =
      source.childExits?.listen((name, reason, at, module) => {
        const text = reasonText(reason);
        push(this.ownExits, { at, worker: name.slice(0, name.indexOf(':')), name, module: module ?? this.moduleOf.get(name) ?? '?', parent: ROOT_NAME, reason: text, kind: exitKind(typeof reason === 'string' ? reason : text) }, EXITS_KEPT);
      }) ?? (() => undefined);
  }

  /** Stops listening to the root's exits. */
  close(): void {
    this.unlisten();
  }

  /** Reads everything once and returns the snapshot; a section whose handler fails is empty and named in `errors`. */
  async build(): Promise<Snapshot> {
    const { handlers } = this.source;
    const errors: Record<string, string> = {};
    const ask = async <T>(name: string, args: unknown = {}): Promise<T | undefined> => {
      const h = handlers[name];
      if (!h) return undefined;
      try {
        return (await h(args)) as T;
      } catch (err) {
        errors[name] = (err as Error).message;
        return undefined;
      }
    };
    const now = this.source.now();
    const refreshModules = now - this.modulesAt >= MODULES_EVERY_MS;
    const [status, ps, top, exits, dead, modules] = await Promise.all([
      ask<ClusterStatus>('status'),
      ask<ProcessInfo[]>('ps'),
      ask<TopLike>('top'),
      ask<{ exits: ExitRow[] }>('exits', { limit: EXITS_KEPT }),
      ask<{ letters: DeadLetterRow[] }>('dead-letters', { limit: 50 }),
      refreshModules ? ask<LoadedModule[]>('modules') : Promise.resolve(undefined),
    ]);
    if (modules) {
      this.modules = modules;
      this.modulesAt = now;
    }
    const processes = ps ?? [];
    for (const p of processes) this.moduleOf.set(p.name, p.module);
    const exitRows = exits?.exits ?? [...this.ownExits].reverse();
    const workers = this.workers(status, top, now);
    return {
      at: now,
      cluster: status?.cluster ?? this.source.cluster,
      daemon: status?.daemon ?? null,
      processes: this.processes(processes, top, exitRows, now).slice(0, MAX_PROCESSES),
      processesTotal: processes.length,
      workers,
      nodes: this.nodes(status, workers, now),
      modules: await this.moduleRows(processes),
      exits: exitRows,
      deadLetters: dead?.letters ?? null,
      available: { top: top !== undefined, exits: exits !== undefined, deadLetters: dead !== undefined },
      errors,
    };
  }

  private processes(list: ProcessInfo[], top: TopLike | undefined, exits: ExitRow[], now: number): ProcessRow[] {
    const topOf = new Map((top?.processes ?? []).map((p) => [p.name, p]));
    const restarts = new Map<string, number>();
    for (const e of exits) {
      if (e.kind === 'normal' || e.kind === 'shutdown') continue;
      const key = `${e.parent ?? ''}\u0000${e.module}`;
      restarts.set(key, (restarts.get(key) ?? 0) + 1);
    }
    const live = new Set<string>();
    const rows = list.map((p): ProcessRow => {
      live.add(p.name);
      if (!this.firstSeen.has(p.name)) this.firstSeen.set(p.name, now);
      const t = topOf.get(p.name);
      const fromTop = typeof t?.ageMs === 'number';
      return {
        name: p.name,
        module: p.module,
        version: p.version,
        worker: p.worker,
        parent: p.parent,
        mailbox: p.mailboxSize,
        status: p.status,
        names: p.names,
        msgsInPerSec: typeof t?.msgsInPerSec === 'number' ? t.msgsInPerSec : null,
        restarts: restarts.get(`${p.parent ?? ''}\u0000${p.module}`) ?? 0,
        ageMs: fromTop ? t!.ageMs! : now - this.firstSeen.get(p.name)!,
        ageFrom: fromTop ? 'spawn' : 'seen',
      };
    });
    for (const name of this.firstSeen.keys()) if (!live.has(name)) this.firstSeen.delete(name);
    // Keep the modules of the processes that ended recently, for the exits the root hears of.
    if (this.moduleOf.size > 10_000) for (const name of this.moduleOf.keys()) if (!live.has(name)) this.moduleOf.delete(name);
    return rows;
  }

  private workers(status: ClusterStatus | undefined, top: TopLike | undefined, now: number): WorkerRow[] {
    const topOf = new Map((top?.workers ?? []).map((w) => [w.id, w]));
    const seen = new Set<string>();
    const rows = (status?.workers ?? []).map((w): WorkerRow => {
      seen.add(w.id);
      const last = this.lastCounters.get(w.id);
      let msgsPerSec = 0;
      let deadLettersPerSec = 0;
      if (w.stats) {
        if (last && now > last.at) {
          const secs = (now - last.at) / 1000;
          msgsPerSec = Math.max(0, (w.stats.delivered - last.delivered) / secs);
          deadLettersPerSec = Math.max(0, (w.stats.deadLetters - last.deadLetters) / secs);
        }
        this.lastCounters.set(w.id, { at: now, delivered: w.stats.delivered, deadLetters: w.stats.deadLetters });
      }
      const t = topOf.get(w.id);
      if (typeof t?.msgsInPerSec === 'number') msgsPerSec = t.msgsInPerSec;
      if (typeof t?.deadLettersPerSec === 'number') deadLettersPerSec = t.deadLettersPerSec;
      const history = this.workerHistory.get(w.id) ?? [];
      this.workerHistory.set(w.id, history);
      const point: LoadPoint = { at: now, msgsPerSec, processes: w.stats?.processes ?? w.load?.processes ?? 0, eventLoopDelayMs: w.load?.eventLoopDelayMs ?? 0 };
      push(history, point, HISTORY_POINTS);
      return {
        id: w.id,
        node: w.node,
        pid: w.pid,
        draining: w.draining,
        stalledForMs: w.stalledForMs,
        processes: point.processes,
        backlog: w.stats?.backlog ?? w.load?.backlog ?? 0,
        rssBytes: w.load?.rssBytes ?? null,
        eventLoopDelayMs: w.load?.eventLoopDelayMs ?? null,
        cpuPercent: typeof t?.cpuPercent === 'number' ? t.cpuPercent : null,
        msgsPerSec,
        deadLettersPerSec,
        answered: w.stats !== null,
        history: [...history],
      };
    });
    if (status) {
      for (const id of [...this.workerHistory.keys()]) {
        if (!seen.has(id)) {
          this.workerHistory.delete(id);
          this.lastCounters.delete(id);
        }
      }
    }
    return rows;
  }

  private nodes(status: ClusterStatus | undefined, workers: WorkerRow[], now: number): NodeRow[] {
    const byId = new Map(workers.map((w) => [w.id, w]));
    const seen = new Set<string>();
    const rows = (status?.nodes ?? []).map((n): NodeRow => {
      seen.add(n.id);
      const mine = n.workers.map((id) => byId.get(id)).filter((w): w is WorkerRow => w !== undefined);
      const history = this.nodeHistory.get(n.id) ?? [];
      this.nodeHistory.set(n.id, history);
      push(
        history,
        {
          at: now,
          msgsPerSec: mine.reduce((s, w) => s + w.msgsPerSec, 0),
          processes: mine.reduce((s, w) => s + w.processes, 0),
          eventLoopDelayMs: mine.reduce((s, w) => Math.max(s, w.eventLoopDelayMs ?? 0), 0),
        },
        HISTORY_POINTS,
      );
      return { id: n.id, host: n.host, pid: n.pid, workers: n.workers, draining: n.meta?.draining === true, history: [...history] };
    });
    if (status) for (const id of [...this.nodeHistory.keys()]) if (!seen.has(id)) this.nodeHistory.delete(id);
    return rows;
  }

  private async moduleRows(processes: ProcessInfo[]): Promise<ModuleRow[]> {
    const running = new Map<string, number>();
    for (const p of processes) running.set(`${p.module}@${p.version}`, (running.get(`${p.module}@${p.version}`) ?? 0) + 1);
    const rows: ModuleRow[] = [];
    for (const m of [...this.modules].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const versions: ModuleVersionRow[] = [];
      for (let v = m.version; v >= 1; v--) {
        const stored = v === m.version ? { hash: m.hash } : await this.version(m.name, v);
        if (!stored) continue;
        versions.push({ version: v, hash: stored.hash, loadedAt: await this.loadedAt(m.name, v), processes: running.get(`${m.name}@${v}`) ?? 0 });
      }
      if (m.version < 1) versions.push({ version: m.version, hash: m.hash, loadedAt: null, processes: running.get(`${m.name}@${m.version}`) ?? 0 });
      rows.push({ name: m.name, version: m.version, hash: m.hash, versions });
    }
    return rows;
  }

  private readonly versionCache = new Map<string, { hash: string } | null>();

  private async version(name: string, v: number): Promise<{ hash: string } | null> {
    const key = `${name}@${v}`;
    if (!this.versionCache.has(key)) await this.readVersion(name, v);
    return this.versionCache.get(key) ?? null;
  }

  private async loadedAt(name: string, v: number): Promise<number | null> {
    const key = `${name}@${v}`;
    if (!this.versionTimes.has(key)) await this.readVersion(name, v);
    return this.versionTimes.get(key) ?? null;
  }

  /** Reads one stored version once (versions never change): its hash and when it was stored. */
  private async readVersion(name: string, v: number): Promise<void> {
    const key = `${name}@${v}`;
    let entry: ModuleVersion | undefined;
    try {
      entry = await this.source.registry?.getModuleVersion(name, v);
    } catch {
      return; // the registry is down: try again with the next snapshot
    }
    this.versionCache.set(key, entry ? { hash: entry.hash } : null);
    this.versionTimes.set(key, entry?.loadedAt ?? null);
  }
}
