import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HypernodeError } from './errors';
import { describeReason } from './exit-reason';

describe('HypernodeError', () => {
  it("is named 'HypernodeError', as a class and on each error", () => {
    expect(HypernodeError.name).toBe('HypernodeError');
    expect(Object.getOwnPropertyDescriptor(HypernodeError, 'name')?.value).toBe('HypernodeError');
    const err = new HypernodeError('NO_PROCESS', 'gone');
    expect(err.name).toBe('HypernodeError');
    expect(String(err)).toBe('HypernodeError: gone');
    expect(err.stack?.split('\n')[0]).toBe('HypernodeError: gone');
  });

  it("keeps its name when bundled as the package's build does (esbuild renames the class to '_HypernodeError')", async () => {
    const out = await build({
      entryPoints: [fileURLToPath(new URL('./errors.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
    });
    const code = out.outputFiles[0]!.text;
    const built = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { HypernodeError: typeof HypernodeError };
    expect(built.HypernodeError.name).toBe('HypernodeError');
    expect(new built.HypernodeError('NO_PROCESS', 'gone').name).toBe('HypernodeError');
  });
});

describe('describeReason', () => {
  it("formats a plain { name, message } reason as 'Name: message', not '[object Object]'", () => {
    expect(describeReason({ name: 'SupervisorError', message: 'too many restarts' })).toBe('SupervisorError: too many restarts');
    expect(describeReason({ name: '', message: 'just a message' })).toBe('just a message');
    expect(describeReason({ name: 'Quiet', message: '' })).toBe('Quiet');
    expect(describeReason('shutdown')).toBe('shutdown');
    expect(describeReason({ code: 7 })).toBe('{"code":7}');
  });
});
