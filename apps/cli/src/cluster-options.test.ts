import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error';
import { clusterOptions, connectionSettings, maxMessageBytes } from './cluster-options';

describe('--max-message-bytes', () => {
  it('is taken from the flag, else from HYPERNODE_MAX_MESSAGE_BYTES, else left to the client', () => {
    expect(maxMessageBytes({ maxMessageBytes: 16_777_216 }, { HYPERNODE_MAX_MESSAGE_BYTES: '4096' })).toBe(16_777_216);
    expect(maxMessageBytes({}, { HYPERNODE_MAX_MESSAGE_BYTES: '4096' })).toBe(4096);
    expect(maxMessageBytes({}, {})).toBeUndefined();
  });

  it('refuses a value that is not a whole number of bytes from 1024 to 512 MiB, naming where it came from', () => {
    expect(() => maxMessageBytes({ maxMessageBytes: 10 }, {})).toThrow(
      new CliError("--max-message-bytes '10' is not valid; give a whole number of bytes from 1024 to 536870912 (512 MiB), at most RabbitMQ's max_message_size."),
    );
    expect(() => maxMessageBytes({ maxMessageBytes: Number.NaN }, {})).toThrow(/--max-message-bytes 'NaN' is not valid/);
    expect(() => maxMessageBytes({}, { HYPERNODE_MAX_MESSAGE_BYTES: '16MB' })).toThrow(/HYPERNODE_MAX_MESSAGE_BYTES '16MB' is not valid/);
    expect(() => maxMessageBytes({}, { HYPERNODE_MAX_MESSAGE_BYTES: '' })).toThrow(/HYPERNODE_MAX_MESSAGE_BYTES '' is not valid/);
    expect(() => maxMessageBytes({ maxMessageBytes: [4096, 8192] as unknown as number }, {})).toThrow(/given 2 times/);
  });
});

describe('--tls-ca, --tls-cert, --tls-key', () => {
  it('are read from the flags (else HYPERNODE_TLS_*), and a missing file is named with its flag before connecting', () => {
    const env = { HYPERNODE_AMQP_URL: 'amqps://u:s3cret@mq.example:5671' };
    expect(() => connectionSettings({ tlsCa: '/nonexistent/ca.pem' }, env)).toThrow("--tls-ca: cannot read '/nonexistent/ca.pem' (no such file)");
    expect(() => connectionSettings({}, { ...env, HYPERNODE_TLS_CA: '/nonexistent/ca.pem' })).toThrow("HYPERNODE_TLS_CA: cannot read '/nonexistent/ca.pem'");
    expect(() => connectionSettings({ tlsCa: ['/a', '/b'] as unknown as string }, env)).toThrow(/--tls-ca was given 2 times/);
  });

  it('appear in every cluster command\'s --help, with the paths in force', async () => {
    const yargs = (await import('yargs')).default;
    const help = await clusterOptions(yargs([]), undefined, { HYPERNODE_TLS_CA: '/etc/hn/ca.pem' }).getHelp();
    expect(help).toContain('--tls-ca');
    expect(help).toContain('env HYPERNODE_TLS_CA (now: /etc/hn/ca.pem)');
    expect(help).toContain('--tls-cert');
    expect(help).toContain('--tls-key');
  });
});
