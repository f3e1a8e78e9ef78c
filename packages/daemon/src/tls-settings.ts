/**
 * TLS settings of the daemons, the CLI and `connectCluster`: `--tls-ca`, `--tls-cert`, `--tls-key` (env
 * `HYPERNODE_TLS_CA`, `HYPERNODE_TLS_CERT`, `HYPERNODE_TLS_KEY`), file paths applied to whichever of the two URLs
 * is `amqps://` or `rediss://` (docs/design/027-tls-and-broker-permissions.md). The paths are not secrets: a node
 * daemon hands them to its workers in their environment. The key file's contents are never logged.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HypernodeError } from '@hypernode/core';
import type { TlsOptions } from '@hypernode/core/runtime';

type Env = Record<string, string | undefined>;

/** Paths of the PEM files for TLS (absolute once resolved). */
export interface TlsPaths {
  /** The CA that signed the servers' certificates. */
  ca?: string;
  /** A client certificate, for servers that ask for one. */
  cert?: string;
  /** The private key of `cert`. */
  key?: string;
}

type Part = keyof TlsPaths;
const PARTS: Part[] = ['ca', 'cert', 'key'];

/** The environment variable of each TLS setting. */
export const TLS_ENV: Record<Part, string> = { ca: 'HYPERNODE_TLS_CA', cert: 'HYPERNODE_TLS_CERT', key: 'HYPERNODE_TLS_KEY' };
/** The command-line flag of each TLS setting, the same for the CLI and the daemons. */
export const TLS_FLAGS: Record<Part, string> = { ca: '--tls-ca', cert: '--tls-cert', key: '--tls-key' };

const WHAT: Record<Part, string> = { ca: 'a PEM CA certificate', cert: 'a PEM client certificate', key: 'a PEM private key (unencrypted)' };

const invalid = (message: string): HypernodeError => new HypernodeError('INVALID_OPTIONS', message);

/** How a setting is named in messages: the flag (or option) and its variable, e.g. `--tls-ca (HYPERNODE_TLS_CA)`. */
export function tlsLabel(part: Part, labels: Record<Part, string> = TLS_FLAGS): string {
  return `${labels[part]} (${TLS_ENV[part]})`;
}

/**
 * The TLS paths in force (given, else the environment), each file read and parsed once to fail at start, and
 * whether TLS applies: paths with neither URL being `amqps://` or `rediss://`, a certificate without its key, an
 * unreadable file or one that is not PEM of the right kind is an `INVALID_OPTIONS` error naming the setting, the
 * file and the fix. Undefined when no TLS file is named.
 */
export function resolveTls(given: TlsPaths, env: Env, labels: Record<Part, string>, urls: { amqpUrl: string; redisUrl: string }): TlsPaths | undefined {
  const paths: TlsPaths = {};
  const from: Partial<Record<Part, string>> = {};
  for (const part of PARTS) {
    const flag = given[part];
    const value = flag ?? env[TLS_ENV[part]];
    if (value === undefined) continue;
    const name = flag !== undefined ? labels[part] : TLS_ENV[part];
    if (value.trim() === '') throw invalid(`${name} is ${flag !== undefined ? 'empty' : 'set but empty'}; give the path of ${WHAT[part]}, or leave it out.`);
    paths[part] = resolve(value);
    from[part] = name;
  }
  if (paths.ca === undefined && paths.cert === undefined && paths.key === undefined) return undefined;
  if ((paths.cert === undefined) !== (paths.key === undefined)) {
    const has: Part = paths.cert === undefined ? 'key' : 'cert';
    const lacks: Part = has === 'cert' ? 'key' : 'cert';
    throw invalid(`${from[has]} was given without ${tlsLabel(lacks, labels)}; a client certificate needs its key (give both, or neither).`);
  }
  if (!isTlsUrl(urls.amqpUrl) && !isTlsUrl(urls.redisUrl)) {
    const named = PARTS.filter((p) => from[p]).map((p) => from[p]).join(', ');
    throw invalid(`${named} given, but neither URL uses TLS; use amqps:// for RabbitMQ (port 5671 by default) and/or rediss:// for Redis, or leave the TLS settings out.`);
  }
  readTlsFiles(paths, (part) => from[part]!);
  return paths;
}

/** True for an `amqps://` or `rediss://` URL. */
export function isTlsUrl(url: string): boolean {
  return /^(amqps|rediss):/i.test(url.trim());
}

/**
 * Reads and checks the files of `paths`: `INVALID_OPTIONS` naming the setting (`nameOf`) and the file when one
 * cannot be read or is not PEM of its kind. Returns the material for the adapters.
 */
export function readTlsFiles(paths: TlsPaths, nameOf: (part: Part) => string = (part) => tlsLabel(part)): TlsOptions {
  const out: TlsOptions = {};
  for (const part of PARTS) {
    const path = paths[part];
    if (path === undefined) continue;
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      throw invalid(`${nameOf(part)}: cannot read '${path}' (${why}); give the path of ${WHAT[part]} this user can read.`);
    }
    try {
      if (part === 'key') createPrivateKey(pem);
      else new X509Certificate(pem);
    } catch {
      throw invalid(`${nameOf(part)}: '${path}' is not ${WHAT[part]}; give the path of one (it starts with '-----BEGIN').`);
    }
    out[part] = pem;
  }
  return out;
}

/** The environment a node daemon gives its workers for `paths`: the paths, never the files' contents. */
export function tlsEnv(paths: TlsPaths | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const part of PARTS) if (paths?.[part] !== undefined) env[TLS_ENV[part]] = paths[part]!;
  return env;
}
