import { hostname } from 'node:os';
import { HypernodeError, Inbox, type Clock, type ExitReason, type LoadedModule, type Logger, type ProcessDetail, type ProcessInfo, type WorkerStats } from '@hypernode/core';
import { checkMaxMailbox, checkSameOrigin, describeReason, DISTRIBUTED_LOAD_HINT, listLoadedModules, moduleNotLoadedMessage, verifyModuleRecord, type ClassCatalog, type MemberInfo, type WorkerRuntime } from '@hypernode/core/runtime';
import type { Adapters } from './adapters';
import type { ChildExits } from './child-exits';
import type { ClusterMembership } from './cluster-membership';
import type { ModuleUpload, ModuleUploads } from './module-uploads';
import type { WorkerStallInfo } from './worker-daemon';
import { ROOT_NAME, ROOT_WORKER } from './root-process';
import { LiveAdmin } from './live-admin';
import type { RebalancerStatus } from './rebalancer';
import { RelocationAdmin, type NodeRemoval, type WorkerRemoval } from './relocation-admin';
import { callRpc, type RpcHandler } from './rpc';
import type { RpcSigner } from './rpc-auth';

/** How long the cluster daemon waits for a worker or node daemon to answer a forwarded request. */
const FANOUT_TIMEOUT_MS = 3000;
/** How long `spawn` waits for the spawned process's `processWillRun` to settle before answering. */
const START_WAIT_MS = 5000;

/** One line for an exit reason: core's `describeReason` with its line breaks folded. */
function describeExit(reason: unknown): string {
  return (describeReason(reason as ExitReason) ?? String(reason)).replace(/\s*\n\s*/g, ' ');
}

/** One worker in `status`. */
export interface WorkerStatus {
  id: string;
  node: string | null;
  pid: number | null;
  startedAt: number;
  draining: boolean;
  load: MemberInfo['load'] | null;
  /** Its counters, or null when it did not answer in time. */
  stats: WorkerStats | null;
  /** The workers its scheduler currently places children on (it learns of new ones within a second). */
  placesOn: string[] | null;
  /** How long it has been silent to its node daemon when that long enough to look stuck (2 s or more), else null. */
  stalledForMs: number | null;
  /** Blocks of its event loop it saw (the last, naming the processes whose turns ran then), or null when it did not answer. */
  stall: WorkerStallInfo | null;
}

/** One node in `status` and `nodes`. */
export interface NodeSummary {
  id: string;
  host: string | null;
  pid: number | null;
  startedAt: number;
  workers: string[];
  meta: Record<string, string | number | boolean>;
}

/** What `status` answers. */
export interface ClusterStatus {
  cluster: string;
  root: string;
  daemon: { pid: number; host: string; startedAt: number };
  workers: WorkerStatus[];
  nodes: NodeSummary[];
  /** Every live member as the registry lists it. */
  members: MemberInfo[];
  /** The rebalancer (`hypernode-cluster --rebalance`) and its moves in the last minute; null when it is off (absent from daemons before it existed). */
  rebalancer?: RebalancerStatus | null;
}

/** A process and its descendants, as `tree` answers. */
export interface ProcessTree {
  name: string;
  module: string;
  worker: string;
  children: ProcessTree[];
}

/** What {@link AdminService} works with: the cluster daemon's parts. */
export interface AdminServiceSetup {
  cluster: string;
  runtime: WorkerRuntime;
  adapters: Adapters;
  /** The classes the cluster daemon knows without loading (the built-in modules). */
  catalog: ClassCatalog;
  membership: ClusterMembership;
  uploads: ModuleUploads;
  logger: Logger;
  clock: Clock;
  /** When this cluster daemon started (epoch ms), as `status` reports it. */
  startedAt: number;
  /** Why the root's children ended, as the root heard it. */
  childExits: ChildExits;
  /** Signs the requests forwarded to node and worker daemons (null: the cluster has no secret). */
  signer: RpcSigner | null;
  /** The cluster's `modules` key when it has a secret: `spawn` checks a module's seal before asking a worker. */
  moduleKey: Uint8Array | null;
  /** The rebalancer's state for `status`, when it runs. */
  rebalancer?: () => RebalancerStatus;
}

/**
 * The cluster daemon's admin requests (service `admin`): status, nodes, modules, load, spawn, send, call, ps,
 * inspect, kill, stats, tree, workers-add, workers-remove, nodes-remove, and (live-admin.ts) top, dead-letters, exits. Questions about workers and nodes are
 * forwarded to them (`worker.<id>`, `node.<id>`); one that does not answer within 3 s is left out of a listing.
 *
 * It does not check who asks (serveRpc's guard does, with the cluster secret: rpc-auth.ts), and it keeps no state of
 * its own.
 */
export class AdminService {
  /** `top`, `dead-letters` and `exits` (live-admin.ts). */
  private readonly live: LiveAdmin;
  /** `move`, and the evacuation of removed workers (relocation-admin.ts). */
  private readonly relocation: RelocationAdmin;

  constructor(private readonly setup: AdminServiceSetup) {
    this.live = new LiveAdmin({ ...setup, stalled: stalledWorkers });
    this.relocation = new RelocationAdmin(setup);
  }

  /** The operations, by name, for `serveRpc`. */
  handlers(): Record<string, RpcHandler> {
    const { runtime } = this.setup;
    return {
      status: () => this.status(),
      nodes: () => this.nodes(),
      modules: () => this.modules(),
      load: (args: { modules: ModuleUpload[]; replace?: boolean }) => this.load(args.modules, args.replace === true),
      spawn: (args: { module: string; state?: unknown; worker?: string; maxMailbox?: number }) => this.spawn(args.module, args.state, args.worker, START_WAIT_MS, args.maxMailbox),
      send: (args: { to: string; message: unknown; from?: string }) => {
        runtime.sendFrom(args.from ?? `${ROOT_WORKER}:admin`, args.to, args.message, null);
        runtime.flushNow();
        return null;
      },
      call: (args: { to: string; message: unknown; timeoutMs?: number }) => this.call(args.to, args.message, args.timeoutMs),
      ps: () => this.ps(),
      inspect: (args: { name: string }) => this.inspect(args?.name),
      kill: (args: { name: string; reason?: unknown }) => this.kill(args.name, args.reason),
      stats: () => this.stats(),
      tree: () => this.tree(),
      'workers-add': (args: { node: string; n: number }) => this.forwardToNode(args.node, 'addWorkers', { n: args.n }, 60_000),
      'workers-remove': (args: { id: string }) => this.removeWorker(args.id),
      'nodes-remove': (args: { node: string }) => this.removeNode(args.node),
      move: (args: { process: string; to?: string }) => this.relocation.move(args?.process, args?.to),
      top: () => this.live.top(),
      'dead-letters': (args: unknown) => this.live.deadLetters(args),
      exits: (args: unknown) => this.live.exits(args),
    };
  }

  private get registry() {
    return this.setup.adapters.registry;
  }

  private async status(): Promise<ClusterStatus> {
    const members = await this.registry.listMembers();
    const workers = members.filter((m) => m.role === 'worker');
    const stats = await Promise.all(workers.map((w) => this.askWorker<WorkerStats & WorkerStallInfo & { worker: string; placesOn?: string[] }>(w.id, 'stats')));
    const stalled = stalledWorkers(members);
    return {
      cluster: this.setup.cluster,
      root: ROOT_NAME,
      daemon: { pid: process.pid, host: hostname(), startedAt: this.setup.startedAt },
      workers: workers.map((w, i) => ({
        id: w.id,
        node: w.node ?? null,
        pid: w.pid ?? null,
        startedAt: w.startedAt,
        draining: w.meta?.draining === true,
        load: w.load ?? null,
        stats: stats[i] ? stripStats(stats[i]!) : null,
        placesOn: stats[i]?.placesOn ?? null,
        stalledForMs: stalled.get(w.id) ?? null,
        stall: stats[i] ? { lastStall: stats[i]!.lastStall ?? null, lastBlock: stats[i]!.lastBlock ?? null } : null,
      })),
      nodes: nodeSummaries(members),
      members,
      rebalancer: this.setup.rebalancer?.() ?? null,
    };
  }

  private async nodes(): Promise<NodeSummary[]> {
    return nodeSummaries(await this.registry.listMembers());
  }

  private modules(): Promise<LoadedModule[]> {
    return listLoadedModules(this.setup.catalog, this.registry);
  }

  /**
   * Validates every module first (in the validator process: evaluates its code, finds its class, constructs it
   * once; here, unless `replace`, that a module of its name is not loaded from another file), then stores and
   * announces each: a module that fails validation stores nothing of the upload.
   */
  private async load(modules: ModuleUpload[], replace: boolean): Promise<LoadedModule[]> {
    const { uploads, runtime, cluster } = this.setup;
    await uploads.validate(modules);
    for (const m of modules) {
      checkSameOrigin(cluster, m.name, m.origin, await this.registry.getModuleVersion(m.name), replace, "'hypernode-cli reload <file>' (or load --replace; connectCluster().load(file, { replace: true }))");
    }
    const loaded: LoadedModule[] = [];
    for (const m of modules) {
      const entry = await uploads.store(m);
      runtime.announceModule(entry.name, entry.version);
      loaded.push(entry);
    }
    // The broadcast reaches every worker eventually; asking each one directly means that once `load`
    // resolves, the next message to a running process of the module is handled by the new version.
    const workers = this.setup.membership.liveWorkers();
    await Promise.all(workers.flatMap((w) => loaded.map((m) => this.askWorker(w.id, 'module', { name: m.name, version: m.version }))));
    return loaded;
  }

  private async spawn(moduleName: string, state: unknown, worker?: string, startWaitMs = START_WAIT_MS, maxMailbox?: number): Promise<string> {
    const { runtime, membership, cluster } = this.setup;
    if (typeof moduleName !== 'string' || moduleName === '') {
      throw new HypernodeError('INVALID_ARGUMENT', `spawn needs a module name; got ${typeof moduleName}.`);
    }
    const bound = checkMaxMailbox(maxMailbox ?? undefined, `The spawn option maxMailbox of '${moduleName}'`);
    // The module's record is checked, never its code run: loaded code does not run in the cluster daemon.
    let exists = this.setup.catalog.get(moduleName) !== undefined;
    if (!exists) {
      const record = await this.registry.getModuleVersion(moduleName);
      if (record) verifyModuleRecord(record, this.setup.moduleKey, this.setup.logger, `the cluster daemon of cluster '${cluster}'`);
      exists = record !== undefined;
    }
    if (!exists) {
      const known = await runtime.modules.known();
      throw new HypernodeError('MODULE_NOT_FOUND', moduleNotLoadedMessage(moduleName, cluster, known, DISTRIBUTED_LOAD_HINT));
    }
    let live = membership.liveWorkers();
    if (live.length === 0 || (worker !== undefined && !live.some((w) => w.id === worker))) {
      // A worker that joined since the last check: read the members now.
      await membership.check();
      live = membership.liveWorkers();
    }
    if (live.length === 0) {
      throw new HypernodeError(
        'INVALID_ARGUMENT',
        `No worker is running in cluster '${cluster}', so '${moduleName}' cannot be spawned; start a node daemon with 'hypernode-node --cluster ${cluster}'.`,
      );
    }
    if (worker !== undefined && !live.some((w) => w.id === worker)) {
      throw new HypernodeError('INVALID_ARGUMENT', `Worker '${worker}' is not a live worker of cluster '${cluster}'; live workers: ${live.map((w) => w.id).join(', ')}.`);
    }
    let name: string;
    try {
      name = runtime.spawnAsChild(ROOT_NAME, moduleName, state, worker, bound === undefined ? undefined : { maxMailbox: bound });
    } catch (err) {
      if (HypernodeError.is(err, 'INVALID_ARGUMENT') && worker === undefined) {
        throw new HypernodeError('INVALID_ARGUMENT', `No worker of cluster '${cluster}' can take '${moduleName}' now: ${err.message}`, { cause: err });
      }
      throw err;
    }
    this.setup.childExits.spawned(name, moduleName);
    runtime.flushNow();
    await this.firstTurn(name, moduleName, startWaitMs);
    return name;
  }

  /**
   * Waits (up to `ms`) until process `name` has finished `processWillRun`; rejects with `PROCESS_EXITED` naming its
   * exit reason when it crashed instead (the root hears of it as of any child). A process still in
   * `processWillRun` after `ms`, one that ended with `'normal'`, or a worker that does not answer, is not an error.
   */
  private async firstTurn(name: string, moduleName: string, ms: number): Promise<void> {
    const worker = name.slice(0, name.indexOf(':'));
    const exited = this.setup.childExits.wait(name, ms + FANOUT_TIMEOUT_MS).then((reason) => ({ reason }));
    const started = callRpc<string>(this.setup.adapters.transport, `worker.${worker}`, 'started', { name, timeoutMs: ms }, ms + FANOUT_TIMEOUT_MS, this.setup.signer).then(
      (status) => ({ status }),
      (err: unknown) => {
        this.setup.logger.debug(`worker '${worker}' did not say whether '${name}' started: ${(err as Error).message}`);
        return { status: 'unknown' };
      },
    );
    const first = await Promise.race([exited, started]);
    let reason: unknown;
    if ('reason' in first) reason = first.reason;
    else if (first.status === 'ended') reason = (await exited).reason;
    else return;
    if (reason === 'normal' || reason === 'shutdown' || reason === undefined) return;
    const code = (reason as { code?: unknown } | null)?.code;
    if (code === 'MODULE_TAMPERED' || code === 'MODULE_LOAD_FAILED' || code === 'MODULE_INVALID') {
      // The worker refused or failed to load the module's code: the caller gets that error itself.
      throw new HypernodeError(code, `Process '${name}' (${moduleName}) did not start: ${(reason as { message: string }).message}`, { cause: reason, details: { reason } });
    }
    throw new HypernodeError(
      'PROCESS_EXITED',
      `Process '${name}' (${moduleName}) ended with reason ${describeExit(reason)} before its first turn (in processWillRun); fix the cause (its initial state, a port in use, ...) and spawn it again.`,
      { cause: reason, details: { reason } },
    );
  }

  private async call(to: string, message: unknown, timeoutMs = 5000): Promise<unknown> {
    const { runtime } = this.setup;
    const inbox = new Inbox(runtime, this.setup.clock, () => undefined);
    try {
      const reply = runtime.call(inbox.name, to, message, timeoutMs);
      runtime.flushNow();
      return await reply;
    } finally {
      inbox.close();
    }
  }

  private async askWorker<T>(worker: string, op: string, args: unknown = null): Promise<T | undefined> {
    try {
      return await callRpc<T>(this.setup.adapters.transport, `worker.${worker}`, op, args, FANOUT_TIMEOUT_MS, this.setup.signer);
    } catch (err) {
      this.setup.logger.debug(`worker '${worker}' did not answer '${op}': ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Asks every worker of the member list not known lost, in parallel; a worker that does not answer is left out. */
  private async askLiveWorkers<T>(op: string): Promise<T[]> {
    const members = await this.registry.listMembers();
    const workers = members.filter((m) => m.role === 'worker' && !this.setup.membership.isLost(m.id));
    const answers = await Promise.all(workers.map((w) => this.askWorker<T>(w.id, op)));
    return answers.filter((a): a is Awaited<T> => a !== undefined) as T[];
  }

  private async ps(): Promise<ProcessInfo[]> {
    const lists = await this.askLiveWorkers<ProcessInfo[]>('ps');
    const all = [...this.setup.runtime.ps(), ...lists.flat()];
    return all.sort((a, b) => (a.worker === b.worker ? 0 : a.worker === ROOT_WORKER ? -1 : b.worker === ROOT_WORKER ? 1 : a.worker < b.worker ? -1 : 1));
  }

  /** One process in detail, asked of its worker; null when it does not exist (or its worker does not answer). */
  private async inspect(name: unknown): Promise<ProcessDetail | null> {
    if (typeof name !== 'string' || name === '') throw new HypernodeError('INVALID_ARGUMENT', `inspect needs a process name; got ${typeof name}.`);
    const pid = name.includes(':') ? name : await this.registry.lookupName(name);
    if (pid === undefined) return null;
    const worker = pid.slice(0, pid.indexOf(':'));
    if (worker === ROOT_WORKER) return this.setup.runtime.inspect(pid) ?? null;
    return (await this.askWorker<ProcessDetail | null>(worker, 'inspect', { name: pid })) ?? null;
  }

  private async stats(): Promise<(WorkerStats & { worker: string })[]> {
    const lists = await this.askLiveWorkers<WorkerStats & { worker: string }>('stats');
    return [{ worker: ROOT_WORKER, ...this.setup.runtime.stats() }, ...lists.map((s) => ({ worker: s.worker, ...stripStats(s) }))];
  }

  private async tree(): Promise<ProcessTree> {
    const list = await this.ps();
    const nodes = new Map<string, ProcessTree>();
    for (const p of list) nodes.set(p.name, { name: p.name, module: p.module, worker: p.worker, children: [] });
    const root = nodes.get(ROOT_NAME) ?? { name: ROOT_NAME, module: 'Root', worker: ROOT_WORKER, children: [] };
    for (const p of list) {
      if (p.name === ROOT_NAME) continue;
      // A process whose parent is gone (or unreachable) is shown under the root.
      const parent = (p.parent !== null && nodes.get(p.parent)) || root;
      parent.children.push(nodes.get(p.name)!);
    }
    return root;
  }

  private async kill(name: string, reason: unknown = 'killed'): Promise<boolean> {
    const { runtime } = this.setup;
    if (typeof name !== 'string' || name === '') throw new HypernodeError('INVALID_ARGUMENT', `kill needs a process name; got ${typeof name}.`);
    const pid = name.includes(':') ? name : await this.registry.lookupName(name);
    if (pid === undefined) return false;
    if (pid === ROOT_NAME) {
      throw new HypernodeError('INVALID_ARGUMENT', `The root process '${ROOT_NAME}' cannot be killed; kill its children, or stop the cluster daemon.`);
    }
    const worker = pid.slice(0, pid.indexOf(':'));
    if (worker === ROOT_WORKER) {
      const killed = runtime.kill(pid, reason);
      runtime.flushNow();
      return killed;
    }
    return (await this.askWorker<boolean>(worker, 'kill', { name: pid, reason })) ?? false;
  }

  private async forwardToNode(node: string, op: string, args: unknown, timeoutMs: number): Promise<unknown> {
    const members = await this.registry.listMembers();
    if (!members.some((m) => m.role === 'node' && m.id === node)) {
      const nodes = members.filter((m) => m.role === 'node').map((m) => m.id);
      throw new HypernodeError('INVALID_ARGUMENT', `Node '${node}' is not a live node of cluster '${this.setup.cluster}'; live nodes: ${nodes.join(', ') || '(none)'}.`);
    }
    return callRpc(this.setup.adapters.transport, `node.${node}`, op, args, timeoutMs, this.setup.signer);
  }

  /** Moves a worker's processes to the other workers (relocation-admin.ts), then stops it for good; answers the counts. */
  private async removeWorker(id: string): Promise<WorkerRemoval> {
    const { transport } = this.setup.adapters;
    const members = await this.registry.listMembers();
    const member = members.find((m) => m.role === 'worker' && m.id === id);
    if (!member) {
      const ids = members.filter((m) => m.role === 'worker').map((m) => m.id);
      throw new HypernodeError('INVALID_ARGUMENT', `Worker '${id}' is not a live worker of cluster '${this.setup.cluster}'; live workers: ${ids.join(', ') || '(none)'}.`);
    }
    const evacuation = await this.relocation.evacuate([id], `worker '${id}' is being removed`);
    const report = { worker: id, node: member.node ?? null, ...evacuation };
    if (member.node !== undefined && members.some((m) => m.role === 'node' && m.id === member.node)) {
      return { ...report, removed: await callRpc<boolean>(transport, `node.${member.node}`, 'removeWorker', { id }, 30_000, this.setup.signer) };
    }
    // A worker started on its own (no node daemon): ask it to drain itself.
    await callRpc(transport, `worker.${id}`, 'drain', null, FANOUT_TIMEOUT_MS, this.setup.signer);
    return { ...report, removed: true };
  }

  /** Moves the node's workers' processes to the other nodes' workers, then asks the node to drain; answers the counts. */
  private async removeNode(node: string): Promise<NodeRemoval> {
    const members = await this.registry.listMembers();
    if (!members.some((m) => m.role === 'node' && m.id === node)) {
      const nodes = members.filter((m) => m.role === 'node').map((m) => m.id);
      throw new HypernodeError('INVALID_ARGUMENT', `Node '${node}' is not a live node of cluster '${this.setup.cluster}'; live nodes: ${nodes.join(', ') || '(none)'}.`);
    }
    const workers = members.filter((m) => m.role === 'worker' && m.node === node).map((m) => m.id);
    const evacuation = await this.relocation.evacuate(workers, `node '${node}' is being removed`);
    // The processes have moved (or will end): the node daemon need not evacuate again as it drains.
    await this.forwardToNode(node, 'drain', { evacuate: false }, FANOUT_TIMEOUT_MS);
    return { node, workers, ...evacuation };
  }
}

function stripStats(s: WorkerStats & { worker?: string; node?: string | null; load?: unknown }): WorkerStats {
  return {
    processes: s.processes,
    spawned: s.spawned,
    exited: s.exited,
    crashed: s.crashed,
    delivered: s.delivered,
    sent: s.sent,
    deadLetters: s.deadLetters,
    deadLettersByReason: s.deadLettersByReason,
    exitsByKind: s.exitsByKind,
    badFrames: s.badFrames,
    forgedFrames: s.forgedFrames ?? 0,
    backlog: s.backlog,
    ...(s.framesResent !== undefined ? { framesResent: s.framesResent, framesUnacked: s.framesUnacked ?? 0 } : {}),
    relocations: s.relocations ?? 0,
    ...(s.mailboxes ? { mailboxes: s.mailboxes } : {}),
    ...(s.memory ? { memory: s.memory } : {}),
  };
}

/** The workers node daemons report silent (their `stalled` meta, `id=ms ...`), with how long, in ms. */
export function stalledWorkers(members: MemberInfo[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of members) {
    const list = m.role === 'node' ? m.meta?.stalled : undefined;
    if (typeof list !== 'string') continue;
    for (const entry of list.split(' ')) {
      const eq = entry.lastIndexOf('=');
      if (eq > 0) out.set(entry.slice(0, eq), Number(entry.slice(eq + 1)));
    }
  }
  return out;
}

function nodeSummaries(members: MemberInfo[]): NodeSummary[] {
  return members
    .filter((m) => m.role === 'node')
    .map((n) => ({
      id: n.id,
      host: n.host ?? null,
      pid: n.pid ?? null,
      startedAt: n.startedAt,
      workers: members.filter((m) => m.role === 'worker' && m.node === n.id).map((m) => m.id),
      meta: n.meta ?? {},
    }));
}
