import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock, Logger } from '@hypernode/core';
import { decode, encode, type MemberInfo, type Registry, type WorkerRuntime } from '@hypernode/core/runtime';
import { Placer, workerLoadsFromMembers } from '@hypernode/scheduler';
import { Heartbeat, MEMBER_TTL_MS } from './heartbeat';
import { LostWorkerLog } from './lost-worker-log';
import type { ModuleUploads } from './module-uploads';
import { ROOT_NAME, ROOT_WORKER } from './root-process';

/** The registry value where the cluster daemon keeps what it needs to take its role back. */
const STATE_KEY = 'cluster-daemon';
/** A value the cluster daemon writes once and checks every second: when it is gone, Redis lost its data. */
const EPOCH_KEY = 'cluster-daemon-epoch';

/** What the cluster daemon records in the registry (under `cluster-daemon`). */
export interface DaemonRecord {
  root: string;
  pid: number;
  host: string;
  startedAt: number;
  /** Workers alive at the last check: a restarted daemon announces those that vanished meanwhile. */
  workers: string[];
}

/** What {@link ClusterMembership} works with. */
export interface ClusterMembershipSetup {
  cluster: string;
  registry: Registry;
  /**
   * The cluster daemon's runtime: announces lost workers and a restored registry to every worker, and applies a
   * loss it declares to itself at once (an event it publishes while the broker is down would not come back).
   */
  runtime: Pick<WorkerRuntime, 'announceWorkerLost' | 'announceRegistryRestored'> & Partial<Pick<WorkerRuntime, 'workerLost'>>;
  /** Stores the kept module versions again when Redis comes back empty. */
  modules: Pick<ModuleUploads, 'versionCount' | 'restore'>;
  logger: Logger;
  clock: Clock;
  /** When this cluster daemon started (epoch ms), as its member record and daemon record say. */
  startedAt: number;
}

/**
 * The cluster daemon's view of the cluster's members: it heartbeats as the `cluster` member, reads the member
 * list every second to feed its placer, announces lost a worker whose heartbeat stopped without a node daemon
 * announcing it (`'its heartbeat stopped'`), and stores the registry's contents again when Redis came back
 * empty (then, for one member TTL, it announces no loss: members come back with their next heartbeat). A loss it
 * announces is also written to the registry's lost-worker record, so workers that missed the event reconcile it
 * (design 029).
 *
 * It judges a worker lost only on a member list it can trust: read without error, holding its own member record
 * (a flushed or restarted Redis lists nobody), with the registry's epoch still there after the list was read, and
 * after at least one member TTL of reads without error (a worker's beats may have failed while Redis was slow).
 * It does not serve admin requests.
 */
export class ClusterMembership {
  readonly heartbeat: Heartbeat;
  private readonly placer = new Placer();
  private readonly lost = new Set<string>();
  private members: MemberInfo[] = [];
  private knownWorkers = new Set<string>();
  private readonly epoch = randomUUID();
  private graceUntil = 0;
  /** Losses this daemon declared, kept until the registry's lost-worker record holds them. */
  readonly lostLog: LostWorkerLog;

  constructor(private readonly setup: ClusterMembershipSetup) {
    this.heartbeat = new Heartbeat({
      registry: setup.registry,
      member: () => ({ id: ROOT_WORKER, role: 'cluster', host: hostname(), pid: process.pid, startedAt: setup.startedAt, meta: { root: ROOT_NAME } }),
      who: 'cluster daemon',
      logger: setup.logger,
      clock: setup.clock,
      afterBeat: () => this.check(),
    });
    this.lostLog = new LostWorkerLog(setup.registry, setup.clock, setup.logger, 'cluster daemon');
  }

  /** Chooses a worker for a child of the root (load-aware, among the workers not known lost). */
  place(): string {
    return this.placer.place(undefined);
  }

  /** Marks a worker lost (the runtime learned it): it is never placed on again. */
  workerLost(worker: string): void {
    this.lost.add(worker);
    this.placer.remove(worker);
  }

  /** Whether `worker` is known lost. */
  isLost(worker: string): boolean {
    return this.lost.has(worker);
  }

  /** The workers of the last member list, without those known lost. */
  liveWorkers(): MemberInfo[] {
    return this.members.filter((m) => m.role === 'worker' && !this.lost.has(m.id));
  }

  /** Reads the record a previous cluster daemon left, and takes over its list of workers to watch. */
  async takeOver(): Promise<DaemonRecord | undefined> {
    const record = await this.readRecord();
    if (record) this.knownWorkers = new Set(record.workers);
    return record;
  }

  /** Marks the registry as this daemon's (see {@link check}): call once its contents are read. */
  async markRegistry(): Promise<void> {
    await this.setup.registry.setValue(EPOCH_KEY, Buffer.from(this.epoch));
  }

  /** Reads members, feeds the placer, and announces workers whose heartbeat stopped unannounced. */
  async check(): Promise<void> {
    let members: MemberInfo[];
    let trusted: boolean;
    try {
      if (!(await this.setup.registry.getValue(EPOCH_KEY))) {
        await this.restoreRegistry();
        // Members come back with their next heartbeat: none of them is lost for having been wiped.
        this.graceUntil = this.setup.clock.now() + MEMBER_TTL_MS;
      }
      members = await this.setup.registry.listMembers();
      // Wiped between the two reads, or not holding this daemon's own fresh record: the list proves nothing.
      trusted = members.some((m) => m.id === ROOT_WORKER) && (await this.setup.registry.getValue(EPOCH_KEY)) !== undefined;
    } catch {
      // The heartbeat reports the registry being down; never announce losses from a failed read, nor for one member
      // TTL after it (workers' beats may have failed too).
      this.graceUntil = Math.max(this.graceUntil, this.setup.clock.now() + MEMBER_TTL_MS);
      return;
    }
    await this.lostLog.sync();
    this.members = members;
    const live = new Set(members.filter((m) => m.role === 'worker').map((m) => m.id));
    if (this.setup.clock.now() < this.graceUntil || !trusted) return;
    for (const id of this.knownWorkers) {
      if (!live.has(id) && !this.lost.has(id)) {
        this.setup.logger.warn(`worker '${id}' stopped heartbeating and no node daemon announced it; announcing it lost`);
        const why = 'its heartbeat stopped';
        this.lost.add(id);
        this.lostLog.record(id, why);
        this.setup.runtime.announceWorkerLost(id, why);
        this.setup.runtime.workerLost?.(id, why);
      }
    }
    this.placer.sync(workerLoadsFromMembers(members).filter((w) => !this.lost.has(w.id)));
    const changed = live.size !== this.knownWorkers.size || [...live].some((id) => !this.knownWorkers.has(id));
    this.knownWorkers = live;
    if (changed) await this.writeRecord();
  }

  /** Records this daemon and the workers it watches in the registry; logs (never throws) when it cannot. */
  async writeRecord(): Promise<void> {
    const record: DaemonRecord = { root: ROOT_NAME, pid: process.pid, host: hostname(), startedAt: this.setup.startedAt, workers: [...this.knownWorkers] };
    await this.setup.registry.setValue(STATE_KEY, encode(record)).catch((err: Error) => this.setup.logger.warn(`could not record the daemon's state: ${err.message}`));
  }

  private async readRecord(): Promise<DaemonRecord | undefined> {
    const bytes = await this.setup.registry.getValue(STATE_KEY);
    if (!bytes) return undefined;
    try {
      return decode(bytes) as DaemonRecord;
    } catch {
      this.setup.logger.warn(`the registry value '${STATE_KEY}' is unreadable; starting afresh`);
      return undefined;
    }
  }

  /**
   * Redis came back without its data (a restart without persistence): stores every module version again,
   * in order so their numbers stay the same, and this daemon's record, so new workers can still spawn them;
   * then every worker registers its processes' names again.
   */
  private async restoreRegistry(): Promise<void> {
    const { cluster, logger } = this.setup;
    logger.warn(
      `the registry of cluster '${cluster}' lost its data (Redis restarted without persistence?); storing again ${this.setup.modules.versionCount} module version(s) and the cluster daemon's record`,
    );
    await this.setup.modules.restore();
    await this.writeRecord();
    await this.markRegistry();
    // Workers register their processes' names again.
    this.setup.runtime.announceRegistryRestored();
    logger.info(`the registry of cluster '${cluster}' is restored`);
  }
}
