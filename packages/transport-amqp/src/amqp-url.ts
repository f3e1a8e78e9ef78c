import { hostOf as hostOfUrl, maskUrl } from '@hypernode/core/runtime';

/** How often, in seconds, the connection's heartbeat runs unless the URL sets it: a dead TCP connection is noticed in ~20 s. */
const HEARTBEAT_S = 10;

export { maskUrl };

/** `host:port` of a broker URL (port 5672, or 5671 for `amqps:`, when the URL has none), for messages. */
export function hostOf(url: string): string {
  return hostOfUrl(url, /^amqps:/i.test(url.trim()) ? 5671 : 5672);
}

/** Adds `heartbeat=10` (seconds) unless the URL sets one. */
export function withHeartbeat(url: string): string {
  try {
    const u = new URL(url);
    if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(HEARTBEAT_S));
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * What is wrong with a RabbitMQ URL, as the end of a sentence that starts with "The RabbitMQ URL" (password
 * masked), or undefined when it is usable: not empty, parsable, `amqp:` or `amqps:`, with a host and a valid port.
 */
export function amqpUrlProblem(url: string): string | undefined {
  if (typeof url !== 'string' || url.trim() === '') return 'is empty';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `'${url.replace(/\/\/[^@/]*@/, '//***@')}' cannot be parsed as a URL`;
  }
  if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:') return `'${maskUrl(url)}' has the scheme '${u.protocol}'; RabbitMQ URLs start with amqp:// or amqps://`;
  if (!u.hostname) return `'${maskUrl(url)}' names no host`;
  return undefined;
}
