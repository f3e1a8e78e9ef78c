/**
 * The Registry over Redis (ioredis).
 *
 * Start a Redis server locally with `redis-server --daemonize yes --port 6379` (or
 * `docker run -d -p 6379:6379 redis:7`); check it with `redis-cli ping`. Redis 6.2 or newer.
 * Key layout and the reasons for it: docs/design/003-redis-layout.md.
 */
import { HypernodeError, systemClock } from '@hypernode/core';
import { registryArguments, tlsProblem, tlsResetProblem, type TlsOptions, type MemberInfo, type ModuleSource, type ModuleVersion, type Registry } from '@hypernode/core/runtime';
import { Redis } from 'ioredis';
import { maskRedisUrl, redisTlsOf, redisUrlProblem, refusal } from './redis-url';
import * as scripts from './scripts';

const checkBytes: typeof registryArguments.checkBytes = registryArguments.checkBytes;
const checkName: typeof registryArguments.checkName = registryArguments.checkName;
const { checkSource, checkTtl, checkVersion, encodeMember } = registryArguments;

/** Where the registry reports connection loss and recovery; `console` fits. */
export interface RedisRegistryLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** Options of {@link RedisRegistry.connect}. */
export interface RedisRegistryOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`; default `redis://127.0.0.1:6379`. */
  url?: string;
  /** The cluster name: every key lives under `hypernode:<cluster>:`. Letters, digits, `.`, `_`, `-`. */
  cluster: string;
  /** Told when the connection is lost and when it is back; silent when omitted. */
  logger?: RedisRegistryLogger;
  /**
   * How long one registry call may wait for Redis (to come back, then to answer) before it rejects with
   * `REGISTRY_DOWN`; default 5000 ms. Also the connect timeout.
   */
  timeoutMs?: number;
  /**
   * How long `connect` may take in all (TCP, login, the first answer); default 10,000 ms. A server that accepts
   * the TCP connection but does not answer as Redis does (RabbitMQ's port, say) fails `connect` after this long.
   */
  connectTimeoutMs?: number;
  /**
   * CA, client certificate and key (PEM contents) for a `rediss://` URL; without `ca`, Node's trusted CAs check the
   * server's certificate. Refused with a `redis://` URL. A failed handshake rejects `connect` with `REGISTRY_DOWN`
   * saying why (untrusted certificate, wrong host name, a plain port).
   */
  tls?: TlsOptions;
}

/** The default of {@link RedisRegistryOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const DEFAULT_TIMEOUT_MS = 5_000;
const silent: RedisRegistryLogger = { info() {}, warn() {} };

function milliseconds(option: string, value: unknown, example: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 2 ** 31 - 1) {
    throw new HypernodeError('INVALID_OPTIONS', `The Redis registry's ${option} must be a finite number above 0, got ${String(value)}; pass milliseconds, for example ${example}.`);
  }
  return value;
}

interface Endpoint {
  /** host:port (or socket path), never credentials. */
  where: string;
  port: string;
}

function endpoint(url: string): Endpoint {
  try {
    const parsed = new URL(url);
    const port = parsed.port || '6379';
    return { where: `${parsed.hostname}:${port}`, port };
  } catch {
    return { where: url.replace(/\/\/[^@/]*@/, '//'), port: '6379' };
  }
}

/**
 * The {@link Registry} over one Redis server, shared by every member of a cluster. Several clusters may
 * share one Redis: each sees only the keys under its own `hypernode:<cluster>:` prefix.
 *
 * Promises, beyond {@link Registry}: the atomic operations (version numbering with code, hash and seal dedup,
 * `registerName`, `unregisterName`, member heartbeats) are single Lua scripts; member expiry and
 * `loadedAt` use the Redis server's clock, so machines with skewed clocks agree. Re-registering a name
 * with the pid it already points at resolves `true`, so a call retried after a reconnect is harmless.
 * After a lost connection it reconnects on its own (retrying at most every second); a call made meanwhile
 * waits for the connection, and rejects with `REGISTRY_DOWN` once `timeoutMs` has passed in all. A call
 * that rejects with `REGISTRY_DOWN` while its command was in flight may still have been applied. Any
 * other Redis failure also rejects with `REGISTRY_DOWN`, carrying the driver's error as `cause`.
 *
 * Does not: support Redis Cluster (the scripts touch several keys without a hash tag), or notify anyone
 * of changes.
 */
export class RedisRegistry implements Registry {
  private readonly client: Redis;
  private readonly cluster: string;
  private readonly endpoint: Endpoint;
  private readonly logger: RedisRegistryLogger;
  private readonly timeoutMs: number;
  private readonly prefix: string;
  private readonly waiters = new Set<(err?: HypernodeError) => void>();
  private closing: Promise<void> | undefined;
  private outage = false;

  private constructor(client: Redis, options: Required<Omit<RedisRegistryOptions, 'tls'>>, where: Endpoint) {
    this.client = client;
    this.cluster = options.cluster;
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs;
    this.endpoint = where;
    this.prefix = `hypernode:${options.cluster}:`;
    client.on('ready', () => {
      if (this.outage) this.logger.info(`Reconnected to Redis at '${this.endpoint.where}' (cluster '${this.cluster}').`);
      this.outage = false;
      for (const wake of [...this.waiters]) wake();
    });
    client.on('close', () => {
      if (this.closing || this.outage) return;
      this.outage = true;
      this.logger.warn(
        `Lost the connection to Redis at '${this.endpoint.where}' (cluster '${this.cluster}'); reconnecting, and registry calls wait up to ${this.timeoutMs} ms for it.`,
      );
    });
  }

  /**
   * Connects to Redis and resolves once it answers. Rejects with `REGISTRY_DOWN` (naming the host,
   * never the password, and how to start Redis) when it cannot connect within `timeoutMs`, and with
   * `INVALID_OPTIONS` for a bad cluster name or timeout. It does not create any key.
   */
  static async connect(options: RedisRegistryOptions): Promise<RedisRegistry> {
    const cluster: unknown = options?.cluster;
    registryArguments.checkClusterName(cluster, 'The cluster name for the Redis registry');
    const timeoutMs = milliseconds('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 5000);
    const connectTimeoutMs = milliseconds('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, 10000);
    const url = options.url ?? DEFAULT_URL;
    const problem = redisUrlProblem(url);
    if (problem) throw new HypernodeError('INVALID_OPTIONS', `The Redis URL ${problem}; pass one such as redis://127.0.0.1:6379 or redis://:password@host:6379/0.`);
    const tls = redisTlsOf(url, options.tls);
    const where = endpoint(url);
    const logger = options.logger ?? silent;
    let connecting = true;
    let tcpOpen = false;
    let lastError: Error | undefined;
    let reported = false;
    const client = new Redis(url, {
      lazyConnect: true,
      connectionName: `hypernode:${cluster}:registry`,
      connectTimeout: connectTimeoutMs,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), 1_000),
      ...(tls ? { tls } : {}),
    });
    client.on('connect', () => {
      tcpOpen = true;
    });
    // ioredis reports every failed reconnect attempt; one line per outage is enough. While connecting, the
    // error goes into the rejection instead.
    client.on('error', (err: Error) => {
      lastError = err;
      if (connecting || reported) return;
      reported = true;
      logger.warn(`Redis at '${where.where}' (cluster '${cluster}') is unreachable: ${err.message}.`);
    });
    client.on('ready', () => {
      reported = false;
    });
    const fail = (code: 'REGISTRY_DOWN' | 'INVALID_OPTIONS', why: string, cause?: unknown): HypernodeError => {
      client.disconnect();
      return new HypernodeError(code, `Cannot connect to Redis at '${maskRedisUrl(url)}' for cluster '${cluster}': ${why}.`, { cause, details: { host: where.where, cluster } });
    };
    const deadline = Symbol('deadline');
    let outcome: unknown;
    try {
      outcome = await Promise.race([client.connect(), new Promise((resolve) => setTimeout(resolve, connectTimeoutMs, deadline).unref())]);
    } catch (err) {
      const reset = /^rediss:/i.test(url) && tls?.cert === undefined ? tlsResetProblem(lastError ?? err, where.where) : undefined;
      const handshake = tlsProblem(lastError, where.where) ?? tlsProblem(err, where.where) ?? reset;
      if (handshake) throw fail('REGISTRY_DOWN', handshake, lastError ?? err);
      const refused = refusal(lastError, url) ?? refusal(err as Error, url);
      if (refused) throw fail('INVALID_OPTIONS', refused, lastError ?? err);
      const reason = lastError?.message ?? (err instanceof Error ? err.message : String(err));
      if (/Unknown RESP type|Protocol error/i.test(reason)) {
        throw fail('REGISTRY_DOWN', `the server answered, but not in Redis's protocol (${reason}): is this a Redis port (6379 by default)? Fix the URL`, err);
      }
      throw fail('REGISTRY_DOWN', `${reason}; start it with 'redis-server --daemonize yes --port ${where.port}' or pass the right URL`, err);
    } finally {
      connecting = false;
    }
    if (outcome === deadline) {
      const handshake = tlsProblem(lastError, where.where);
      if (handshake) throw fail('REGISTRY_DOWN', handshake, lastError);
      throw fail(
        'REGISTRY_DOWN',
        tcpOpen
          ? `no Redis reply within ${connectTimeoutMs} ms: is this a Redis port (6379 by default, not RabbitMQ's or another service's)? Fix the URL, or raise the connect timeout (--connect-timeout, HYPERNODE_CONNECT_TIMEOUT_MS)`
          : tls !== undefined || /^rediss:/i.test(url)
            ? `no TLS handshake within ${connectTimeoutMs} ms: is this Redis's TLS port (its tls-port, not a plain, non-TLS port: a plain one needs redis://), and is the host reachable? Fix the URL, or raise the connect timeout (--connect-timeout, HYPERNODE_CONNECT_TIMEOUT_MS)`
            : `no TCP connection within ${connectTimeoutMs} ms: is the host reachable and Redis running? Fix the URL, or raise the connect timeout (--connect-timeout, HYPERNODE_CONNECT_TIMEOUT_MS)`,
      );
    }
    // ioredis reports a SELECT the server refused as an 'error' event and stays on database 0.
    const refused = refusal(lastError, url);
    if (refused) throw fail('INVALID_OPTIONS', refused, lastError);
    return new RedisRegistry(client, { url, cluster, logger, timeoutMs, connectTimeoutMs }, where);
  }

  async addModuleVersion(name: string, module: ModuleSource): Promise<ModuleVersion> {
    checkName('module name', name);
    checkSource(name, module);
    const hasOrigin = module.origin !== undefined;
    const [version, at, origin, seal] = (await this.run('addModuleVersion', () =>
      this.script(scripts.addModuleVersion, [this.key('modules'), this.moduleKey(name)], [name, module.code, module.hash, module.origin ?? '', hasOrigin ? '1' : '0', module.seal ?? '']),
    )) as [number, string, string | null | undefined, string | null | undefined];
    const stored: ModuleVersion = { name, version: Number(version), code: module.code, hash: module.hash, loadedAt: Number(at) };
    if (origin !== null && origin !== undefined) stored.origin = origin;
    if (seal !== null && seal !== undefined) stored.seal = seal;
    return stored;
  }

  async getModuleVersion(name: string, version?: number): Promise<ModuleVersion | undefined> {
    checkName('module name', name);
    checkVersion(name, version);
    return this.run('getModuleVersion', async (client) => {
      const v = version ?? Number(await client.hget(this.key('modules'), name));
      if (!v) return undefined;
      return this.readVersion(name, v, await client.hmget(this.moduleKey(name), `code:${v}`, `hash:${v}`, `at:${v}`, `origin:${v}`, `seal:${v}`));
    });
  }

  async listModules(): Promise<ModuleVersion[]> {
    return this.run('listModules', async (client) => {
      const latest = Object.entries(await client.hgetall(this.key('modules'))).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const pipeline = client.pipeline();
      for (const [name, v] of latest) pipeline.hmget(this.moduleKey(name), `code:${v}`, `hash:${v}`, `at:${v}`, `origin:${v}`, `seal:${v}`);
      const replies = (await pipeline.exec()) ?? [];
      return latest.flatMap(([name, v], i) => {
        const [err, fields] = replies[i] ?? [new Error('no reply')];
        if (err) throw err;
        const found = this.readVersion(name, Number(v), fields as (string | null)[]);
        return found ? [found] : [];
      });
    });
  }

  async putMember(member: MemberInfo, ttlMs: number): Promise<void> {
    const json = encodeMember(member);
    checkTtl(member.id, ttlMs);
    await this.run('putMember', () => this.script(scripts.putMember, [this.key('members'), this.key('member-info')], [member.id, Math.ceil(ttlMs), json]));
  }

  async removeMember(id: string): Promise<void> {
    checkName('member id', id);
    await this.run('removeMember', (client) => client.multi().zrem(this.key('members'), id).hdel(this.key('member-info'), id).exec());
  }

  async listMembers(): Promise<MemberInfo[]> {
    const flat = (await this.run('listMembers', () => this.script(scripts.listMembers, [this.key('members'), this.key('member-info')], []))) as string[];
    const members: MemberInfo[] = [];
    for (let i = 0; i < flat.length; i += 2) members.push(JSON.parse(flat[i + 1]!) as MemberInfo);
    return members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async registerName(name: string, pid: string): Promise<boolean> {
    checkName('process name', name);
    checkName('pid', pid);
    return (await this.run('registerName', () => this.script(scripts.registerName, [this.key('names')], [name, pid]))) === 1;
  }

  async unregisterName(name: string, pid: string): Promise<boolean> {
    checkName('process name', name);
    checkName('pid', pid);
    return (await this.run('unregisterName', () => this.script(scripts.unregisterName, [this.key('names')], [name, pid]))) === 1;
  }

  async lookupName(name: string): Promise<string | undefined> {
    checkName('process name', name);
    return (await this.run('lookupName', (client) => client.hget(this.key('names'), name))) ?? undefined;
  }

  async listNames(): Promise<Record<string, string>> {
    const all = await this.run('listNames', (client) => client.hgetall(this.key('names')));
    return Object.fromEntries(Object.entries(all).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  }

  async getValue(key: string): Promise<Uint8Array | undefined> {
    checkName('value key', key);
    const stored = await this.run('getValue', (client) => client.hgetBuffer(this.key('values'), key));
    if (stored === null) return undefined;
    const out = new Uint8Array(stored.byteLength);
    out.set(stored);
    return out;
  }

  async setValue(key: string, value: Uint8Array): Promise<void> {
    checkName('value key', key);
    checkBytes(key, value);
    const copy = Buffer.from(value);
    await this.run('setValue', (client) => client.hset(this.key('values'), key, copy));
  }

  async deleteValue(key: string): Promise<void> {
    checkName('value key', key);
    await this.run('deleteValue', (client) => client.hdel(this.key('values'), key));
  }

  /**
   * Deletes every key of this cluster (modules, members, names, values), leaving other clusters on the
   * same Redis untouched; the registry stays usable, and empty. Not atomic with respect to concurrent
   * writers: stop the cluster's members first.
   */
  async deleteCluster(): Promise<void> {
    await this.run('deleteCluster', async (client) => {
      const names = await client.hkeys(this.key('modules'));
      const keys = [...['modules', 'members', 'member-info', 'names', 'values'].map((k) => this.key(k)), ...names.map((n) => this.moduleKey(n))];
      for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
    });
  }

  /**
   * Deletes every key under this cluster's `hypernode:<cluster>:` prefix, whatever its name (also keys written by
   * other versions or tools), found with `SCAN MATCH` (never `KEYS`, which blocks the server) and removed with
   * `UNLINK` (freed in the background); resolves with how many were removed. Other clusters' keys are untouched.
   * Not atomic: stop the cluster's members first (`hypernode-cli cluster destroy` checks that).
   */
  async purgeCluster(): Promise<number> {
    return this.run('purgeCluster', async (client) => {
      let removed = 0;
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) removed += await client.unlink(...keys);
      } while (cursor !== '0');
      return removed;
    });
  }

  /**
   * The members this cluster has on record, live or expired but not pruned yet (a member killed without
   * leaving stays until a `listMembers` prunes it), read without pruning: the ids of workers and nodes whose
   * queues may still exist.
   */
  async recordedMembers(): Promise<{ id: string; role: string }[]> {
    const all = await this.run('recordedMembers', (client) => client.hgetall(this.key('member-info')));
    return Object.entries(all).map(([id, json]) => {
      try {
        return { id, role: String((JSON.parse(json) as { role?: unknown }).role) };
      } catch {
        return { id, role: 'unknown' };
      }
    });
  }

  /** Closes the connection (waiting briefly for replies in flight); idempotent. Later calls reject with `REGISTRY_DOWN`. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const closed = this.closedError();
    for (const wake of [...this.waiters]) wake(closed);
    if (this.client.status === 'ready') {
      await this.bounded(this.client.quit(), 1_000).catch(() => undefined);
    }
    this.client.disconnect();
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  private moduleKey(name: string): string {
    return `${this.prefix}module:${name}`;
  }

  private readVersion(name: string, version: number, fields: (string | null)[]): ModuleVersion | undefined {
    const [code, hash, at, origin, seal] = fields;
    if (code === null || code === undefined || hash === null || hash === undefined || !at) return undefined;
    const found: ModuleVersion = { name, version, code, hash, loadedAt: Number(at) };
    if (origin !== null && origin !== undefined) found.origin = origin;
    if (seal !== null && seal !== undefined) found.seal = seal;
    return found;
  }

  private async script(s: scripts.Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      return this.client.eval(s.lua, keys.length, ...keys, ...args);
    }
  }

  /** Runs `fn` once Redis is connected, all within `timeoutMs`; converts every failure to `REGISTRY_DOWN`. */
  private async run<T>(op: string, fn: (client: Redis) => Promise<T>): Promise<T> {
    if (this.closing) throw this.closedError();
    const deadline = systemClock.now() + this.timeoutMs;
    if (this.client.status !== 'ready') await this.whenReady(op, deadline);
    const attempt = fn(this.client).catch((err: unknown) => {
      throw HypernodeError.is(err) ? err : this.failed(op, err);
    });
    return this.bounded(attempt, deadline - systemClock.now(), () =>
      this.down(`Redis at '${this.endpoint.where}' did not answer '${op}' for cluster '${this.cluster}' within ${this.timeoutMs} ms (it may still be applied)`),
    );
  }

  private whenReady(op: string, deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = (err?: HypernodeError) => {
        this.waiters.delete(wake);
        systemClock.clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = systemClock.setTimeout(
        () => wake(this.down(`Redis at '${this.endpoint.where}' is unreachable, so '${op}' for cluster '${this.cluster}' gave up after waiting ${this.timeoutMs} ms for it`)),
        Math.max(0, deadline - systemClock.now()),
      );
      this.waiters.add(wake);
    });
  }

  private bounded<T>(promise: Promise<T>, ms: number, onTimeout?: () => HypernodeError): Promise<T> {
    let timer: ReturnType<typeof systemClock.setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = systemClock.setTimeout(() => reject(onTimeout ? onTimeout() : new Error('timed out')), Math.max(0, ms));
    });
    return Promise.race([promise, timeout]).finally(() => systemClock.clearTimeout(timer!));
  }

  private down(what: string): HypernodeError {
    return new HypernodeError('REGISTRY_DOWN', `${what}; start it with 'redis-server --daemonize yes --port ${this.endpoint.port}' or check the URL.`, {
      details: { host: this.endpoint.where, cluster: this.cluster },
    });
  }

  private failed(op: string, err: unknown): HypernodeError {
    const reason = err instanceof Error ? err.message : String(err);
    return new HypernodeError(
      'REGISTRY_DOWN',
      `Registry call '${op}' for cluster '${this.cluster}' failed at Redis '${this.endpoint.where}' (${reason}); check that Redis is running and that nothing else writes keys under 'hypernode:${this.cluster}:'.`,
      { cause: err, details: { host: this.endpoint.where, cluster: this.cluster, op } },
    );
  }

  private closedError(): HypernodeError {
    return new HypernodeError('REGISTRY_DOWN', `The Redis registry of cluster '${this.cluster}' was closed; connect a new one with RedisRegistry.connect().`);
  }
}
