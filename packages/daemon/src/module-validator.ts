import { fork, type ChildProcess } from 'node:child_process';
import { HypernodeError, type HypernodeErrorCode } from '@hypernode/core';
import { childLaunch } from './child-launch';
import type { CheckedModule, CodeToCheck } from './module-check';

/** What the validator process sends back: the modules it found, or the error that names what is wrong. */
export type ValidatorReply = { ok: true; modules: CheckedModule[] } | { ok: false; code: HypernodeErrorCode; message: string };

/** Options of {@link validateInChild}. */
export interface ValidatorOptions {
  /** How long the module's code may take to evaluate and construct, from when the validator is up; default 10 s. */
  timeoutMs?: number;
  /** How long the validator process may take to start (node, and tsx from sources); default 30 s. */
  startTimeoutMs?: number;
  /** The validator's V8 heap limit (`--max-old-space-size`), in MiB; default 256. */
  maxHeapMb?: number;
  /** The program to fork (tests); default this package's `module-validator-entry`. */
  entry?: string;
  /** Node flags for it; default `--import tsx` for a `.ts` entry. */
  execArgv?: string[];
}

export const VALIDATOR_DEFAULTS = { timeoutMs: 10_000, startTimeoutMs: 30_000, maxHeapMb: 256 } as const;

/** How much of the validator's stdout and stderr is kept, for the error of a validator that died. */
const KEEP_OUTPUT = 2000;

/**
 * Checks uploaded module code in a separate, short-lived process: forks the validator (module-validator-entry.ts)
 * with a heap limit and an environment without `HYPERNODE_*` variables (no secret, no broker or Redis URL), sends it
 * the modules, and waits for its answer; the process is killed once it answered, when it runs past `timeoutMs`,
 * and when it dies. The module's code never runs in the calling process.
 *
 * Resolves with the modules found; rejects with the validator's own error (`MODULE_LOAD_FAILED` or
 * `MODULE_INVALID`, naming the module and the fix), or `MODULE_LOAD_FAILED` for a validator that timed out, ran out
 * of memory or died (with the end of its output).
 */
export function validateInChild(modules: CodeToCheck[], options: ValidatorOptions = {}): Promise<CheckedModule[]> {
  const timeoutMs = options.timeoutMs ?? VALIDATOR_DEFAULTS.timeoutMs;
  const startTimeoutMs = options.startTimeoutMs ?? VALIDATOR_DEFAULTS.startTimeoutMs;
  const maxHeapMb = options.maxHeapMb ?? VALIDATOR_DEFAULTS.maxHeapMb;
  const launch = childLaunch('module-validator-entry', 'a validator entry', options.entry, options.execArgv);
  const names = modules.map((m) => `'${m.name}'`).join(', ');
  const from = modules[0]?.origin ?? 'the upload';
  return new Promise((resolve, reject) => {
    let output = '';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
    };
    const child: ChildProcess = fork(launch.entry, [], {
      execArgv: [...launch.execArgv, `--max-old-space-size=${maxHeapMb}`],
      env: { ...withoutHypernodeSettings(process.env), ...launch.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const finish = (err: Error | null, found?: CheckedModule[]): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (err) reject(err);
      else resolve(found!);
    };
    const failed = (why: string): HypernodeError =>
      new HypernodeError('MODULE_LOAD_FAILED', `Module ${names} from '${from}' could not be checked: ${why}. Nothing was stored.${tail(output)}`);
    timer = setTimeout(() => finish(failed(`the module validator did not start within ${startTimeoutMs} ms (is the machine overloaded?); load it again`)), startTimeoutMs);
    child.on('message', (message: unknown) => {
      const m = message as Partial<ValidatorReply> & { ready?: boolean };
      if (m?.ready === true) {
        clearTimeout(timer);
        timer = setTimeout(
          () => finish(failed(`its top-level code and constructor did not finish within ${timeoutMs} ms in the module validator (an endless loop, or work that belongs in processWillRun?); fix the module and load it again`)),
          timeoutMs,
        );
        child.send({ modules });
        return;
      }
      finish(...replyOf(m, modules, failed));
    });
    child.on('error', (err) => finish(failed(`the module validator could not run (${err.message})`)));
    child.on('close', (code, signal) => {
      const oom = /heap out of memory|Allocation failed/i.test(output);
      const why = oom
        ? `the module validator ran out of memory (its heap limit is ${maxHeapMb} MiB): the module's top-level code uses too much memory; keep large data out of it`
        : `the module validator exited (${signal ? `signal ${signal}` : `code ${code}`}) without an answer: the module's top-level code or constructor ended the process (process.exit?); remove that`;
      finish(failed(why));
    });
  });
}

/** The validator's answer checked as untrusted data (the module's code ran in that process and could send anything). */
function replyOf(m: Partial<ValidatorReply>, modules: CodeToCheck[], failed: (why: string) => HypernodeError): [Error | null, CheckedModule[]?] {
  if (m?.ok === false && typeof m.code === 'string' && typeof m.message === 'string') return [new HypernodeError(m.code, m.message)];
  if (m?.ok === true && Array.isArray(m.modules) && m.modules.length === modules.length && m.modules.every((c, i) => c?.name === modules[i]!.name)) {
    return [null, m.modules.map((c) => ({ name: c.name, className: String(c.className) }))];
  }
  return [failed('the module validator sent an answer that is not one (did the module call process.send?)')];
}

/** The environment without hypernode's settings: the secret and the URLs (with their passwords) stay out of module code's reach. */
function withoutHypernodeSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('HYPERNODE_')));
}

function tail(output: string): string {
  const text = output.trim();
  return text === '' ? '' : ` Its output ended with: ${text.slice(-600).replace(/\s*\n\s*/g, ' | ')}`;
}
