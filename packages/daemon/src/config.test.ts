import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { clusterHelp, connectionOf, maskUrl, nodeHelp, parseClusterArgs, parseNodeArgs, parseWorkerArgs, workerHelp } from './config';

const env = { HYPERNODE_AMQP_URL: 'amqp://admin:s3cret@mq.example:5672/vh', HYPERNODE_REDIS_URL: 'redis://:hunter2@redis.example:6380', HYPERNODE_CLUSTER: 'prod' };

function config<C>(parsed: { help: true; text: string } | { help: false; config: C }): C {
  if (parsed.help) throw new Error('expected settings, got help');
  return parsed.config;
}

function rejects(fn: () => unknown): HypernodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HypernodeError) return err;
    throw err;
  }
  throw new Error('expected a HypernodeError');
}

describe('daemon configuration', () => {
  it('takes the cluster and URLs from the environment when no flag is given', () => {
    expect(config(parseClusterArgs([], env))).toEqual({ cluster: 'prod', amqpUrl: env.HYPERNODE_AMQP_URL, redisUrl: env.HYPERNODE_REDIS_URL, connectTimeoutMs: 10_000, clusterFrom: 'env', secret: null, insecure: false, logLevel: 'info' });
  });

  it('takes the cluster daemon\'s state directory from --state-dir, and refuses an empty one', () => {
    expect(config(parseClusterArgs(['--state-dir', '/var/lib/hypernode'], env)).stateDir).toBe('/var/lib/hypernode');
    expect(config(parseClusterArgs([], env)).stateDir).toBeUndefined();
    expect(() => parseClusterArgs(['--state-dir', ''], env)).toThrow(/hypernode-cluster: --state-dir is empty; give a directory the cluster daemon may write/);
    expect(clusterHelp(env)).toContain('--state-dir <dir>');
  });

  it('lets flags override the environment', () => {
    const c = config(parseClusterArgs(['--cluster', 'other', '--amqp-url', 'amqp://localhost', '--redis-url', 'redis://localhost:7000'], env));
    expect(c).toEqual({ cluster: 'other', amqpUrl: 'amqp://localhost', redisUrl: 'redis://localhost:7000', connectTimeoutMs: 10_000, clusterFrom: 'flag', secret: null, insecure: false, logLevel: 'info' });
  });

  it('falls back to the local RabbitMQ and Redis and the cluster named default', () => {
    expect(config(parseClusterArgs([], {}))).toEqual({
      cluster: 'default',
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      redisUrl: 'redis://127.0.0.1:6379',
      connectTimeoutMs: 10_000,
      clusterFrom: 'default',
      secret: null,
      insecure: false,
      logLevel: 'info',
    });
  });

  it('reads the cluster secret from --secret-file, else HYPERNODE_SECRET, and never shows it in --help', () => {
    const secret = 'daemon-config-secret-0123456789abcdef';
    expect(config(parseClusterArgs([], { HYPERNODE_SECRET: secret })).secret).toBe(secret);
    expect(config(parseWorkerArgs(['--id', 'w1'], { HYPERNODE_SECRET: secret })).secret).toBe(secret);
    expect(() => parseNodeArgs(['--secret-file', '/nonexistent/secret'], {})).toThrow(/hypernode-node: Cannot read the secret file \/nonexistent\/secret/);
    expect(() => parseClusterArgs([], { HYPERNODE_SECRET: 'short' })).toThrow(/needs at least 16/);
    for (const text of [workerHelp({ HYPERNODE_SECRET: secret }), nodeHelp({ HYPERNODE_SECRET: secret }), clusterHelp({ HYPERNODE_SECRET: secret })]) {
      expect(text).toContain('--secret-file <path>');
      expect(text).not.toContain(secret);
    }
  });

  it('reads --metrics (a port on loopback, host:port, [v6]:port), else HYPERNODE_METRICS; off when neither is set', () => {
    expect(config(parseClusterArgs([], {})).metrics).toBeUndefined();
    expect(config(parseClusterArgs(['--metrics', '9464'], {})).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(config(parseNodeArgs(['--metrics', '0.0.0.0:9100'], {})).metrics).toEqual({ host: '0.0.0.0', port: 9100 });
    expect(config(parseWorkerArgs(['--id', 'w1', '--metrics', '[::1]:9465'], {})).metrics).toEqual({ host: '::1', port: 9465 });
    expect(config(parseClusterArgs([], { HYPERNODE_METRICS: '9500' })).metrics).toEqual({ host: '127.0.0.1', port: 9500 });
    expect(config(parseClusterArgs(['--metrics', '9600'], { HYPERNODE_METRICS: '9500' })).metrics).toEqual({ host: '127.0.0.1', port: 9600 });
    expect(rejects(() => parseClusterArgs(['--metrics', '70000'], {})).message).toBe(
      "hypernode-cluster: --metrics '70000' is not a metrics address; give a port (9464, served on 127.0.0.1), host:port (0.0.0.0:9464 to serve every interface) or [::1]:9464.",
    );
    expect(rejects(() => parseNodeArgs([], { HYPERNODE_METRICS: 'http://x:1' })).message).toMatch(/^hypernode-node: HYPERNODE_METRICS 'http:\/\/x:1' is not a metrics address/);
  });

  it('reads --log-level, else HYPERNODE_LOG_LEVEL, else debug for HYPERNODE_DEBUG, else info', () => {
    expect(config(parseClusterArgs(['--log-level', 'warn'], { HYPERNODE_LOG_LEVEL: 'error' })).logLevel).toBe('warn');
    expect(config(parseNodeArgs([], { HYPERNODE_LOG_LEVEL: 'error' })).logLevel).toBe('error');
    expect(config(parseWorkerArgs(['--id', 'w1'], { HYPERNODE_DEBUG: '1' })).logLevel).toBe('debug');
    expect(rejects(() => parseClusterArgs([], { HYPERNODE_LOG_FORMAT: 'xml' })).message).toMatch(/^hypernode-cluster: HYPERNODE_LOG_FORMAT 'xml' is not a log format; give json or pretty/);
    expect(rejects(() => parseWorkerArgs(['--id', 'w1', '--log-level', 'chatty'], {})).message).toBe(
      "hypernode-worker: --log-level 'chatty' is not a log level; give one of trace, debug, info, warn, error, fatal, silent.",
    );
  });

  it('never shows a password in --help, whatever the environment holds', () => {
    for (const text of [workerHelp(env), nodeHelp(env), clusterHelp(env), clusterHelp({})]) {
      expect(text).not.toContain('s3cret');
      expect(text).not.toContain('hunter2');
      expect(text).not.toMatch(/guest:guest/);
    }
    expect(clusterHelp(env)).toContain('amqp://admin:***@mq.example:5672/vh');
    expect(clusterHelp(env)).toContain('redis://:***@redis.example:6380');
  });

  it('masks only the password of a URL', () => {
    expect(maskUrl('amqp://guest:guest@127.0.0.1:5672')).toBe('amqp://guest:***@127.0.0.1:5672');
    expect(maskUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(maskUrl('not a url')).toBe('<unparsable url>');
  });

  it('answers --help and -h with the help text instead of settings', () => {
    expect(parseWorkerArgs(['--help'], {})).toMatchObject({ help: true, text: expect.stringContaining('Usage: hypernode-worker') });
    expect(parseNodeArgs(['-h'], {})).toMatchObject({ help: true, text: expect.stringContaining('Usage: hypernode-node') });
  });

  it('requires a worker id without a colon', () => {
    expect(rejects(() => parseWorkerArgs([], {})).message).toContain('--id is required');
    const bad = rejects(() => parseWorkerArgs(['--id', 'a:b'], {}));
    expect(bad.code).toBe('INVALID_OPTIONS');
    expect(bad.message).toContain("--id 'a:b' is not valid");
  });

  it('reads the placement options as numbers and refuses negative ones', () => {
    const c = config(parseWorkerArgs(['--id', 'w1', '--node', 'n1', '--affinity-slack', '0', '--placement-cost', '0.5'], {}));
    expect(c).toMatchObject({ id: 'w1', node: 'n1', affinitySlack: 0, placementCost: 0.5 });
    expect(rejects(() => parseWorkerArgs(['--id', 'w1', '--affinity-slack=-1'], {})).message).toContain("--affinity-slack '-1' is not valid");
  });

  it('defaults the node to one worker per core and refuses a fractional worker count', () => {
    expect(config(parseNodeArgs(['--id', 'n1'], {}, 8)).workers).toBe(8);
    expect(config(parseNodeArgs(['--id', 'n1', '--workers', '2'], {}, 8)).workers).toBe(2);
    expect(rejects(() => parseNodeArgs(['--workers', '1.5'], {}, 8)).message).toContain("--workers '1.5' is not valid");
  });

  it('reads the stall limit from --stall-limit or HYPERNODE_STALL_LIMIT_MS and refuses one under a second, naming where it came from', () => {
    expect(config(parseNodeArgs(['--id', 'n1'], {})).stallLimitMs).toBeUndefined();
    expect(config(parseNodeArgs(['--stall-limit', '5000'], {})).stallLimitMs).toBe(5000);
    expect(config(parseNodeArgs([], { HYPERNODE_STALL_LIMIT_MS: '60000' })).stallLimitMs).toBe(60000);
    expect(config(parseNodeArgs(['--stall-limit', '2000'], { HYPERNODE_STALL_LIMIT_MS: '60000' })).stallLimitMs).toBe(2000);
    expect(rejects(() => parseNodeArgs(['--stall-limit', '500'], {})).message).toBe(
      "hypernode-node: --stall-limit '500' is not valid; give a whole number of at least 1000.",
    );
    expect(rejects(() => parseNodeArgs([], { HYPERNODE_STALL_LIMIT_MS: '30s' })).message).toBe(
      "hypernode-node: --stall-limit (from HYPERNODE_STALL_LIMIT_MS) '30s' is not valid; give a whole number of at least 1000.",
    );
    expect(nodeHelp({})).toContain('--stall-limit <ms>');
  });

  it('names an unknown flag and points at --help', () => {
    const err = rejects(() => parseClusterArgs(['--bogus'], {}));
    expect(err.code).toBe('INVALID_OPTIONS');
    expect(err.message).toMatch(/^hypernode-cluster: Unknown option '--bogus'.*see 'hypernode-cluster --help'\.$/);
  });

  it('refuses a cluster name RabbitMQ and Redis would not accept', () => {
    expect(rejects(() => parseClusterArgs(['--cluster', 'a:b'], {})).message).toContain("--cluster 'a:b' is not valid");
  });

  it("refuses a cluster name with '.', so that queue names of two clusters cannot collide", () => {
    const err = rejects(() => parseNodeArgs(['--cluster', 'rel1.inbox'], {}));
    expect(err.code).toBe('INVALID_OPTIONS');
    expect(err.message).toMatch(/^hypernode-node: --cluster 'rel1\.inbox' is not valid \('\.' and ':' separate .*'rel1-inbox'/);
    expect(rejects(() => parseClusterArgs([], { HYPERNODE_CLUSTER: 'rel1.inbox' })).message).toContain("HYPERNODE_CLUSTER 'rel1.inbox' is not valid");
  });

  it('accepts --amqp and --redis as aliases of --amqp-url and --redis-url, and refuses both spellings at once', () => {
    const c = config(parseWorkerArgs(['--id', 'w1', '--amqp', 'amqp://mq.example', '--redis', 'redis://cache.example:6380'], {}));
    expect(c).toMatchObject({ amqpUrl: 'amqp://mq.example', redisUrl: 'redis://cache.example:6380' });
    const both = rejects(() => parseClusterArgs(['--amqp', 'amqp://a', '--amqp-url', 'amqp://b'], {}));
    expect(both.message).toContain('--amqp-url and its alias --amqp were both given; give one of them');
    expect(clusterHelp({})).toContain('--amqp-url <url>         RabbitMQ (alias --amqp)');
  });

  it.each([
    [{ HYPERNODE_AMQP_URL: '' }, /^hypernode-cluster: HYPERNODE_AMQP_URL is set but empty; unset it to use the default \(amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672\), or set it to a RabbitMQ URL/],
    [{ HYPERNODE_REDIS_URL: '' }, /HYPERNODE_REDIS_URL is set but empty; unset it/],
    [{ HYPERNODE_CLUSTER: '' }, /HYPERNODE_CLUSTER is set but empty; unset it to use the default \(default\)/],
    [{ HYPERNODE_CONNECT_TIMEOUT_MS: '' }, /HYPERNODE_CONNECT_TIMEOUT_MS is set but empty/],
    [{ HYPERNODE_CONNECT_TIMEOUT_MS: 'soon' }, /HYPERNODE_CONNECT_TIMEOUT_MS 'soon' is not a valid connect timeout; give a number of milliseconds/],
    [{ HYPERNODE_CONNECT_TIMEOUT_MS: '0' }, /HYPERNODE_CONNECT_TIMEOUT_MS '0' is not a valid connect timeout/],
    [{ HYPERNODE_REDIS_URL: 'redis://:hunter2@127.0.0.1:6379/99x' }, /HYPERNODE_REDIS_URL: 'redis:\/\/:\*\*\*@127\.0\.0\.1:6379\/99x' selects the database '99x', which is not a database index/],
    [{ HYPERNODE_REDIS_URL: 'redis://127.0.0.1:6379/abc' }, /selects the database 'abc', which is not a database index/],
    [{ HYPERNODE_AMQP_URL: 'redis://127.0.0.1:6379' }, /HYPERNODE_AMQP_URL: 'redis:\/\/127\.0\.0\.1:6379' has the scheme 'redis:'; RabbitMQ URLs start with amqp:\/\//],
    [{ HYPERNODE_AMQP_URL: 'amqp://admin:hunter2@mq:99999' }, /HYPERNODE_AMQP_URL: 'amqp:\/\/\*\*\*@mq:99999' cannot be parsed as a URL/],
  ])('refuses the environment %j at start, naming the variable and the fix, never the password', (badEnv, pattern) => {
    const err = rejects(() => parseClusterArgs([], badEnv));
    expect(err.code).toBe('INVALID_OPTIONS');
    expect(err.message).toMatch(pattern);
    expect(err.message).not.toContain('hunter2');
  });

  it.each([
    [['--amqp-url', ''], /--amqp-url is empty; give a RabbitMQ URL/],
    [['--redis', ''], /--redis-url is empty; give a Redis URL/],
    [['--cluster', ''], /--cluster is empty; give a name/],
    [['--connect-timeout=-5'], /--connect-timeout '-5' is not a valid connect timeout/],
  ])('refuses the flags %j at start, naming the flag', (args, pattern) => {
    expect(rejects(() => parseClusterArgs(args, {})).message).toMatch(pattern);
  });

  it('reads the connect timeout from --connect-timeout, else HYPERNODE_CONNECT_TIMEOUT_MS', () => {
    expect(config(parseClusterArgs(['--connect-timeout', '250'], { HYPERNODE_CONNECT_TIMEOUT_MS: '900' })).connectTimeoutMs).toBe(250);
    expect(config(parseClusterArgs([], { HYPERNODE_CONNECT_TIMEOUT_MS: '900' })).connectTimeoutMs).toBe(900);
  });
});

describe('--rebalance', () => {
  it('is off unless --rebalance or HYPERNODE_REBALANCE=1 is given, and reads its limits from flags over the environment', () => {
    expect(config(parseClusterArgs([], {})).rebalance).toBeUndefined();
    expect(config(parseClusterArgs([], { HYPERNODE_REBALANCE: '0' })).rebalance).toBeUndefined();
    expect(config(parseClusterArgs(['--rebalance'], {})).rebalance).toEqual({});
    expect(config(parseClusterArgs([], { HYPERNODE_REBALANCE: '1', HYPERNODE_REBALANCE_MAX_MOVES: '12' })).rebalance).toEqual({ maxMovesPerMinute: 12 });
    expect(config(parseClusterArgs(['--rebalance', '--rebalance-max-moves', '5', '--rebalance-threshold', '2.5'], { HYPERNODE_REBALANCE_MAX_MOVES: '12' })).rebalance).toEqual({
      maxMovesPerMinute: 5,
      imbalanceThreshold: 2.5,
    });
  });

  it('refuses a bad cap, a bad HYPERNODE_REBALANCE, and a limit without --rebalance, naming the flag or variable', () => {
    expect(rejects(() => parseClusterArgs(['--rebalance', '--rebalance-max-moves', '0'], {})).message).toBe(
      "hypernode-cluster: --rebalance-max-moves '0' is not valid; give a whole number from 1 to 10000.",
    );
    expect(rejects(() => parseClusterArgs(['--rebalance'], { HYPERNODE_REBALANCE_MAX_MOVES: 'lots' })).message).toContain(
      "--rebalance-max-moves (from HYPERNODE_REBALANCE_MAX_MOVES) 'lots' is not valid",
    );
    expect(rejects(() => parseClusterArgs([], { HYPERNODE_REBALANCE: 'maybe' })).message).toBe(
      "hypernode-cluster: HYPERNODE_REBALANCE 'maybe' is not valid; set it to 1 (on) or 0 (off), or unset it.",
    );
    expect(rejects(() => parseClusterArgs(['--rebalance-max-moves', '5'], {})).message).toBe(
      'hypernode-cluster: --rebalance-max-moves has no effect without --rebalance; add --rebalance (or HYPERNODE_REBALANCE=1), or leave it out.',
    );
    expect(clusterHelp({})).toContain('--rebalance-max-moves <n>');
  });
});

describe('--max-message-bytes', () => {
  it('is read from the flag, else from HYPERNODE_MAX_MESSAGE_BYTES, by every daemon; absent, the core default applies', () => {
    const flag = parseWorkerArgs(['--id', 'w1', '--max-message-bytes', '1048576'], {});
    expect(flag.help === false && flag.config.maxMessageBytes).toBe(1048576);
    const env = parseClusterArgs([], { HYPERNODE_MAX_MESSAGE_BYTES: '2097152' });
    expect(env.help === false && env.config.maxMessageBytes).toBe(2097152);
    const node = parseNodeArgs(['--max-message-bytes', '4096'], { HYPERNODE_MAX_MESSAGE_BYTES: '2097152' });
    expect(node.help === false && node.config.maxMessageBytes).toBe(4096);
    const none = parseClusterArgs([], {});
    expect(none.help === false && 'maxMessageBytes' in none.config).toBe(false);
    expect(connectionOf({ maxMessageBytes: 8192 }).maxMessageBytes).toBe(8192);
  });

  it('refuses a value that is not a whole number of bytes from 1024 to 512 MiB, naming the flag or the variable', () => {
    expect(() => parseWorkerArgs(['--id', 'w1', '--max-message-bytes', '64MB'], {})).toThrow(
      "hypernode-worker: --max-message-bytes '64MB' is not valid; give a whole number from 1024 to 536870912.",
    );
    expect(() => parseClusterArgs([], { HYPERNODE_MAX_MESSAGE_BYTES: '100' })).toThrow(
      "hypernode-cluster: --max-message-bytes (from HYPERNODE_MAX_MESSAGE_BYTES) '100' is not valid; give a whole number from 1024 to 536870912.",
    );
  });

  it('is in the help text with its variable and default', () => {
    expect(workerHelp({})).toContain('--max-message-bytes <n>');
    expect(workerHelp({})).toContain('env HYPERNODE_MAX_MESSAGE_BYTES (now: 67108864, 64 MiB)');
  });
});

describe('the cluster secret', () => {
  const secret = 'config-test-secret-0123456789abcdef';

  it('is read from HYPERNODE_SECRET or --secret-file (the file wins) by every daemon, and is null without either', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-secret-'));
    const file = join(dir, 'secret');
    writeFileSync(file, `from-the-file-${secret}\n`);
    expect(config(parseClusterArgs([], { HYPERNODE_SECRET: secret })).secret).toBe(secret);
    expect(config(parseNodeArgs(['--secret-file', file], { HYPERNODE_SECRET: secret })).secret).toBe(`from-the-file-${secret}`);
    expect(config(parseWorkerArgs(['--id', 'w1', '--secret-file', file], {})).secret).toBe(`from-the-file-${secret}`);
    expect(config(parseWorkerArgs(['--id', 'w1'], {})).secret).toBeNull();
    expect(connectionOf({}).secret).toBeNull();
  });

  it('refuses a short secret or an unreadable file with BAD_SECRET naming the command and the fix, never the secret', () => {
    const short = rejects(() => parseClusterArgs([], { HYPERNODE_SECRET: 'tooshort' }));
    expect(short.code).toBe('BAD_SECRET');
    expect(short.message).toMatch(/^hypernode-cluster: The cluster secret in HYPERNODE_SECRET is 8 bytes long/);
    expect(short.message).not.toContain('tooshort');
    const missing = rejects(() => parseNodeArgs(['--secret-file', '/nonexistent/secret'], {}));
    expect(missing.code).toBe('BAD_SECRET');
    expect(missing.message).toMatch(/^hypernode-node: Cannot read the secret file \/nonexistent\/secret \(ENOENT\)/);
  });

  it('shows in --help whether HYPERNODE_SECRET is set, never its value', () => {
    const text = workerHelp({ HYPERNODE_SECRET: secret });
    expect(text).toContain('--secret-file <path>');
    expect(text).toContain('env HYPERNODE_SECRET (now: set)');
    expect(text).not.toContain(secret);
    expect(clusterHelp({})).toContain('env HYPERNODE_SECRET (now: not set)');
  });
});
