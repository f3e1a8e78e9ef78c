/**
 * The Registry holds the cluster's shared, slowly-changing facts: module versions, membership with
 * liveness, load reports, named processes, and small values the cluster daemon needs to take its role
 * back after a restart. Nothing on the per-message path touches it.
 *
 * What it promises:
 * - Module versions are append-only: `addModuleVersion` returns 1 for a name's first version, then 2, 3,
 *   ...; every version stays readable with its code, content hash, origin and seal. Adding a version whose
 *   code, hash and seal equal the latest one's returns the latest version and stores nothing new (so a
 *   version whose stored code or seal was changed is stored anew when it is added again).
 * - A member (node, worker or cluster daemon) exists from `putMember` until `removeMember`, or until `ttlMs`
 *   passes without another `putMember` (a heartbeat); expired members are not listed.
 * - `registerName` is atomic: of concurrent registrations of one name, exactly one wins.
 * - `unregisterName(name, pid)` removes the name only while it still points at `pid`.
 *
 * What it leaves out: notifications (members learn changes through the Transport's events), history of
 * members, and any ordering between different keys.
 */
export interface Registry {
  /** Stores a new module version (or returns the latest one when the hash is unchanged). */
  addModuleVersion(name: string, module: ModuleSource): Promise<ModuleVersion>;
  /** One version of a module, the latest when `version` is omitted; `undefined` when there is none. */
  getModuleVersion(name: string, version?: number): Promise<ModuleVersion | undefined>;
  /** The latest version of every module, sorted by name. */
  listModules(): Promise<ModuleVersion[]>;

  /** Creates or refreshes a member; it expires `ttlMs` after the last call. */
  putMember(member: MemberInfo, ttlMs: number): Promise<void>;
  removeMember(id: string): Promise<void>;
  /** Live members, sorted by id. */
  listMembers(): Promise<MemberInfo[]>;

  /** Binds `name` to `pid` unless the name is taken; resolves to whether it was bound. */
  registerName(name: string, pid: string): Promise<boolean>;
  /** Removes `name` if it is bound to `pid`; resolves to whether it was removed. */
  unregisterName(name: string, pid: string): Promise<boolean>;
  lookupName(name: string): Promise<string | undefined>;
  /** Every registered name and its pid. */
  listNames(): Promise<Record<string, string>>;

  /** Small durable values (a few KB) such as the cluster daemon's state. */
  getValue(key: string): Promise<Uint8Array | undefined>;
  setValue(key: string, value: Uint8Array): Promise<void>;
  deleteValue(key: string): Promise<void>;

  /** Releases the connection. Idempotent. */
  close(): Promise<void>;
}

/** A module's source as stored: bundled CommonJS code and its content hash. */
export interface ModuleSource {
  /** Bundled, self-contained CommonJS code; `@hypernode/core` and Node built-ins stay external. */
  code: string;
  /** Hex SHA-256 of `code`. */
  hash: string;
  /** Where it was loaded from (a file path), for people. */
  origin?: string;
  /**
   * The cluster daemon's seal over the version's name, number, hash and origin (module-seal.ts), when the
   * cluster has a secret. Opaque to the registry: stored and returned as given.
   */
  seal?: string;
}

export interface ModuleVersion extends ModuleSource {
  name: string;
  version: number;
  /** Epoch milliseconds when this version was stored. */
  loadedAt: number;
}

export type MemberRole = 'cluster' | 'node' | 'worker';

/** A live member of the cluster and its last load report. */
export interface MemberInfo {
  id: string;
  role: MemberRole;
  /** The node daemon that owns a worker; the host name for a node. */
  node?: string;
  host?: string;
  pid?: number;
  startedAt: number;
  /** The latest load report (workers and nodes). */
  load?: LoadReport;
  /** Free-form facts for operators (version, inbox, ...). Data only. */
  meta?: Record<string, string | number | boolean>;
}

/** What a worker (or node) reports of its load; the scheduler decides from these. */
export interface LoadReport {
  /** Processes hosted. */
  processes: number;
  /** Messages waiting in mailboxes, summed. */
  backlog: number;
  /** Event-loop delay, p50 over the last period, in milliseconds. */
  eventLoopDelayMs: number;
  /** Resident memory in bytes. */
  rssBytes: number;
  /** Epoch milliseconds of the report. */
  at: number;
}
