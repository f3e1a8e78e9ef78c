import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { asLogger } from '@hypernode/core/runtime';
import { daemonLogger, logFormatFromEnv, logLevelFromEnv, parseLogLevel, secretsOf, tagOf, type DaemonLogOptions } from './logger';

function capture(options: DaemonLogOptions = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const logger = daemonLogger(
    { role: 'worker', cluster: 'prod', node: 'web-1', worker: 'web-1-w1-abc' },
    { format: 'json', level: 'info', ...options, out: { write: (s: string) => void out.push(s) }, err: { write: (s: string) => void err.push(s) } },
  );
  const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, out: () => parsed(out), err: () => parsed(err), raw: () => [...out, ...err].join('') };
}

describe('daemonLogger', () => {
  it('writes JSON lines with the level, time, pid and the cluster, node and worker; info to stdout, warn and error to stderr', () => {
    const c = capture();
    c.logger.info('worker is up');
    c.logger.warn("process 'w1:3' (Echo) crashed: boom", { process: 'w1:3', module: 'Echo' });
    c.logger.error('fenced');
    expect(c.out()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'worker is up', role: 'worker', cluster: 'prod', node: 'web-1', worker: 'web-1-w1-abc', pid: process.pid, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }),
    ]);
    expect(c.err()).toEqual([
      expect.objectContaining({ level: 'warn', msg: "process 'w1:3' (Echo) crashed: boom", process: 'w1:3', module: 'Echo' }),
      expect.objectContaining({ level: 'error', msg: 'fenced' }),
    ]);
  });

  it('drops lines below its level', () => {
    const c = capture({ level: 'warn' });
    c.logger.debug('d');
    c.logger.info('i');
    c.logger.warn('w');
    expect([...c.out(), ...c.err()].map((l) => l.msg)).toEqual(['w']);
    const d = capture({ level: 'debug' });
    d.logger.debug('d');
    expect(d.out().map((l) => l.msg)).toEqual(['d']);
  });

  it('never writes a secret: known secret fields are redacted and secret strings are masked in messages and fields', () => {
    const c = capture({ secrets: ['hunter2-password', 's3cret-of-the-cluster'] });
    c.logger.warn('login with hunter2-password failed; secret s3cret-of-the-cluster', { detail: 'tried hunter2-password' });
    c.logger.info('fields', { password: 'p4ss-in-a-field', secret: 'another-one' } as never);
    const text = c.raw();
    for (const s of ['hunter2-password', 's3cret-of-the-cluster', 'p4ss-in-a-field', 'another-one']) expect(text).not.toContain(s);
    expect(c.err()[0]).toEqual(expect.objectContaining({ msg: 'login with *** failed; secret ***', detail: 'tried ***' }));
    expect(c.out()[0]).toEqual(expect.objectContaining({ password: '[redacted]', secret: '[redacted]' }));
  });
});

describe('log settings', () => {
  it('takes the level from HYPERNODE_LOG_LEVEL, else debug for HYPERNODE_DEBUG, else info; a bad level names the fix', () => {
    expect(logLevelFromEnv({})).toBe('info');
    expect(logLevelFromEnv({ HYPERNODE_DEBUG: '1' })).toBe('debug');
    expect(logLevelFromEnv({ HYPERNODE_DEBUG: '1', HYPERNODE_LOG_LEVEL: 'WARN' })).toBe('warn');
    expect(() => parseLogLevel('loud', '--log-level')).toThrow("--log-level 'loud' is not a log level; give one of trace, debug, info, warn, error, fatal, silent.");
  });

  it('writes JSON off a terminal and pretty text on one, unless HYPERNODE_LOG_FORMAT says', () => {
    expect(logFormatFromEnv({}, false)).toBe('json');
    expect(logFormatFromEnv({}, true)).toBe('pretty');
    expect(logFormatFromEnv({ HYPERNODE_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(() => logFormatFromEnv({ HYPERNODE_LOG_FORMAT: 'xml' }, false)).toThrow(/give json or pretty/);
  });

  it('finds the passwords of URLs (as written and decoded) and the cluster secret', () => {
    expect(secretsOf(['amqp://app:p%40ss-word@h:5672', 'redis://:r3dis-pw@h:6379/0', 'amqp://h'], { HYPERNODE_SECRET: ' 0123456789abcdef0123456789abcdef ' }).sort()).toEqual(
      ['p%40ss-word', 'p@ss-word', 'r3dis-pw', ' 0123456789abcdef0123456789abcdef ', '0123456789abcdef0123456789abcdef'].sort(),
    );
  });

  it('tags a line as the plain-text logs did', () => {
    expect(tagOf({ role: 'worker', worker: 'w1' })).toBe('worker w1');
    expect(tagOf({ role: 'cluster', cluster: 'prod' })).toBe('cluster prod');
    expect(tagOf({ role: 'cli' })).toBe('cli');
  });
});

describe("core's asLogger with a real pino logger", () => {
  it('keeps the fields: createCluster({ logger: pino() }) gets { process, module } as pino fields', () => {
    const lines: string[] = [];
    const logger = asLogger(pino({ base: null, timestamp: false }, { write: (s: string) => void lines.push(s) }) as never);
    logger.warn("process 'w1:3' (Echo) crashed: boom", { process: 'w1:3', module: 'Echo' });
    logger.info('plain');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: 40, process: 'w1:3', module: 'Echo', msg: "process 'w1:3' (Echo) crashed: boom" },
      { level: 30, msg: 'plain' },
    ]);
  });
});

describe('programLogger', () => {
  it("keeps its URLs' passwords, HYPERNODE_SECRET and the secret the settings carry (read from a secret file) out of its lines", async () => {
    const { programLogger } = await import('./logger');
    const lines: string[] = [];
    const sink = { write: (s: string) => void lines.push(s) };
    const config = { amqpUrl: 'amqp://app:amqp-pw-123@h', redisUrl: 'redis://:redis-pw-456@h', logLevel: 'info' as const, secret: 'from-a-secret-file-0123456789' };
    const logger = programLogger({ role: 'cluster', cluster: 'c' }, config, { HYPERNODE_SECRET: 'env-secret-abcdef0123456789' }, { format: 'json', out: sink, err: sink });
    logger.warn('leak? amqp-pw-123 redis-pw-456 from-a-secret-file-0123456789 env-secret-abcdef0123456789');
    expect(JSON.parse(lines[0]!).msg).toBe('leak? *** *** *** ***');
  });
});
