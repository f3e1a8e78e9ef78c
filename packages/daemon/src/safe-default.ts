/**
 * The safe default (docs/security.md): a daemon without a cluster secret answers admin requests from anyone who
 * can reach its broker, so without a secret it runs only against a broker on a loopback address (and says at
 * start that admin is open to anyone on this machine); against any other broker it refuses to start unless
 * `--insecure` (or `HYPERNODE_INSECURE=1`) says the operator means it.
 */
import { isIP } from 'node:net';
import { HypernodeError, type Logger } from '@hypernode/core';
import { maskUrl } from './defaults';

/** What the decision looks at. */
export interface SafetyInput {
  amqpUrl: string;
  secret: string | null;
  insecure: boolean;
}

/** What a daemon does at start: run quietly, run with a warning, or refuse. */
export type SafetyVerdict = { kind: 'secured' } | { kind: 'warn'; message: string } | { kind: 'refuse'; message: string };

/** Whether `host` (a URL's hostname) names this machine's loopback interface. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

function brokerHost(amqpUrl: string): string | null {
  try {
    return new URL(amqpUrl).hostname;
  } catch {
    return null;
  }
}

/** The decision for a daemon `command` with these settings (no side effect: see {@link enforceSafeDefault}). */
export function safetyVerdict(command: string, input: SafetyInput): SafetyVerdict {
  if (input.secret !== null) return { kind: 'secured' };
  const host = brokerHost(input.amqpUrl);
  const broker = maskUrl(input.amqpUrl);
  if (host !== null && isLoopbackHost(host)) {
    return {
      kind: 'warn',
      message: `${command} runs without a cluster secret: admin requests (load, spawn, kill, ...) are open to anyone on this machine who can reach the broker at ${broker}; set HYPERNODE_SECRET (or --secret-file) on every daemon and client to require the secret (docs/security.md).`,
    };
  }
  if (input.insecure) {
    return {
      kind: 'warn',
      message: `${command} runs without a cluster secret against the broker at ${broker}, not on this machine (--insecure): admin requests (load, spawn, kill, ...) are open to anyone who can reach that broker; set HYPERNODE_SECRET (or --secret-file) to require the secret (docs/security.md).`,
    };
  }
  return {
    kind: 'refuse',
    message: `${command} refuses to start without a cluster secret against the broker at ${broker}, which is not a loopback address: anyone who can reach that broker could load and run code in the cluster. Make a secret with 'hypernode-cli secret new' and give it to every daemon and client (HYPERNODE_SECRET or --secret-file), or pass --insecure (HYPERNODE_INSECURE=1) to run open anyway (docs/security.md).`,
  };
}

/**
 * Applies {@link safetyVerdict}: throws `INVALID_OPTIONS` for a refusal (the daemon does not start), logs the
 * warning (when `warn` is true) and returns for the others.
 */
export function enforceSafeDefault(command: string, input: SafetyInput, logger: Logger, warn = true): void {
  const verdict = safetyVerdict(command, input);
  if (verdict.kind === 'refuse') throw new HypernodeError('INVALID_OPTIONS', verdict.message);
  if (verdict.kind === 'warn' && warn) logger.warn(verdict.message);
}

/**
 * For a daemon program, before it connects: throws the refusal (`INVALID_OPTIONS`), if any; the warning is left
 * to the daemon's start.
 */
export function refuseUnsafeStart(command: string, conn: { amqpUrl: string; secret: string | null; insecure?: boolean }): void {
  const verdict = safetyVerdict(command, { amqpUrl: conn.amqpUrl, secret: conn.secret, insecure: conn.insecure === true });
  if (verdict.kind === 'refuse') throw new HypernodeError('INVALID_OPTIONS', verdict.message);
}

/** `HYPERNODE_INSECURE`'s value as a flag: `1` or `true` is on, unset, empty, `0` or `false` off; anything else is an error. */
export function insecureFromEnv(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new HypernodeError('INVALID_OPTIONS', `HYPERNODE_INSECURE is '${value}'; set it to 1 to run without a secret against a remote broker, or unset it.`);
}
