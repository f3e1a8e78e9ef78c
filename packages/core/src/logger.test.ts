import { describe, expect, it } from 'vitest';
import { asLogger, type LogFields } from './logger';
import { clusterPerTest } from './test-support';
import { Process, type Logger } from './index';

const clusters = clusterPerTest();

class Crasher extends Process {
  static override moduleName = 'Crasher';
  override processDidReceiveMessage(): never {
    throw new Error('boom');
  }
}

/** A logger that takes its fields first and has `child` and `bindings`, as pino does. */
function fieldsFirstLogger() {
  const lines: { level: string; fields: unknown; message: unknown }[] = [];
  const at = (level: string) => (a: unknown, b?: unknown) => void lines.push(b === undefined ? { level, fields: undefined, message: a } : { level, fields: a, message: b });
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger, bindings: () => ({}) };
  return { logger: logger as unknown as Logger, lines };
}

describe('loggers', () => {
  it('gives a line about a crashed process the process name and module as fields', async () => {
    let crashed!: (line: { message: string; fields: LogFields | undefined }) => void;
    const line = new Promise<{ message: string; fields: LogFields | undefined }>((resolve) => (crashed = resolve));
    const logger: Logger = { debug() {}, info() {}, warn: (message, fields) => message.includes('crashed') && crashed({ message, fields }), error() {} };
    const cluster = await clusters.start([Crasher], logger);
    const name = await cluster.spawn('Crasher', {});
    cluster.send(name, 'go');
    expect(await line).toEqual({ message: `process '${name}' (Crasher) crashed: Error: boom`, fields: { process: name, module: 'Crasher' } });
  });

  it('calls a pino-style logger (child and bindings) with the fields first, and any other logger as it is', () => {
    const pinoLike = fieldsFirstLogger();
    asLogger(pinoLike.logger).warn('crashed', { process: 'w1:2', module: 'M' });
    asLogger(pinoLike.logger).info('plain');
    expect(pinoLike.lines).toEqual([
      { level: 'warn', fields: { process: 'w1:2', module: 'M' }, message: 'crashed' },
      { level: 'info', fields: undefined, message: 'plain' },
    ]);
    const plain: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    expect(asLogger(plain)).toBe(plain);
    const adapted = asLogger(pinoLike.logger);
    expect(asLogger(adapted)).toBe(adapted);
  });
});
