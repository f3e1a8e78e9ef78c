/** The worker's mailbox warning size from `--mailbox-warn` or `HYPERNODE_MAILBOX_WARN` (design 030). */
import { describe, expect, it } from 'vitest';
import { nodeHelp, parseWorkerArgs, workerHelp } from './config';

function settings(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseWorkerArgs(argv, env);
  if (parsed.help) throw new Error('expected settings, got help');
  return parsed.config;
}

describe('the mailbox warning size of a worker', () => {
  it('comes from --mailbox-warn, else HYPERNODE_MAILBOX_WARN (which a node daemon passes to its workers), else the default', () => {
    expect(settings(['--id', 'w1', '--mailbox-warn', '500'], { HYPERNODE_MAILBOX_WARN: '700' }).mailboxWarn).toBe(500);
    expect(settings(['--id', 'w1'], { HYPERNODE_MAILBOX_WARN: '700' }).mailboxWarn).toBe(700);
    expect(settings(['--id', 'w1']).mailboxWarn).toBeUndefined();
    expect(workerHelp({ HYPERNODE_MAILBOX_WARN: '700' })).toContain('--mailbox-warn <n>');
    expect(workerHelp({ HYPERNODE_MAILBOX_WARN: '700' })).toContain('env HYPERNODE_MAILBOX_WARN (now: 700)');
    expect(nodeHelp({})).toContain('HYPERNODE_MAILBOX_WARN');
  });

  it('refuses a value that is not a whole number of messages, naming the flag or the variable', () => {
    expect(() => settings(['--id', 'w1', '--mailbox-warn', '0'])).toThrow(/mailbox-warn/);
    expect(() => settings(['--id', 'w1', '--mailbox-warn', '1.5'])).toThrow(/mailbox-warn/);
    expect(() => settings(['--id', 'w1'], { HYPERNODE_MAILBOX_WARN: 'lots' })).toThrow(/mailbox-warn \(from HYPERNODE_MAILBOX_WARN\)/);
  });
});
