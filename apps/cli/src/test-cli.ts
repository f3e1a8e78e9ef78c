/**
 * Test support (not part of the CLI): runs `hypernode-cli` from its sources as a child process and reads
 * its output line by line.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The repository root: the CLI runs from there, whose tsconfig maps the workspace packages to sources. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const main = fileURLToPath(new URL('./main.ts', import.meta.url));

/** What a finished CLI run left. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string[];
  err: string[];
}

/** Runs the CLI with `args` (and `env` over this process's environment, without the variables in `unset`). */
export function startCli(args: string[], env: Record<string, string> = {}, unset: string[] = []) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of unset) delete childEnv[name];
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const err: string[] = [];
  const waiters: { stream: string[]; pattern: RegExp; resolve(m: RegExpMatchArray): void }[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const watch = (readable: NodeJS.ReadableStream, lines: string[]) =>
    createInterface({ input: readable }).on('line', (line) => {
      lines.push(line);
      for (const w of [...waiters]) {
        const m = w.stream === lines ? line.match(w.pattern) : null;
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  watch(child.stdout!, out);
  watch(child.stderr!, err);
  /** Resolves with the first line (past or future) of stdout (or stderr) matching `pattern`; rejects if the CLI ends first. */
  const line = (pattern: RegExp, stream: 'out' | 'err' = 'out') => {
    const lines = stream === 'out' ? out : err;
    for (const l of lines) {
      const m = l.match(pattern);
      if (m) return Promise.resolve(m);
    }
    return Promise.race([
      new Promise<RegExpMatchArray>((resolve) => waiters.push({ stream: lines, pattern, resolve })),
      closed.then(() => {
        throw new Error(`the CLI ended before printing a line matching ${pattern}; stdout:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`);
      }),
    ]);
  };
  /** Resolves once the CLI has exited and its output is read. */
  const finished = async (): Promise<CliResult> => {
    const result = await exited;
    await closed;
    return { ...result, out, err };
  };
  return { child, line, finished };
}

/** stderr holds exactly one line, the error, and no stack trace. */
export function expectOneLineError(err: string[], pattern: RegExp) {
  expect(err).toHaveLength(1);
  expect(err[0]).toMatch(/^hypernode-cli: error: /);
  expect(err[0]).toMatch(pattern);
}
