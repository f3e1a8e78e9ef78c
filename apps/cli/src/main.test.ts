import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { portIsClosed } from '../../../examples/http-server/test-support';
import { expectOneLineError, startCli } from './test-cli';

const stubborn = fileURLToPath(new URL('./test-fixtures/stubborn.ts', import.meta.url));
const httpExample = ['examples/http-server/http-server.ts', 'examples/http-server/http-server-request-handler.ts'];


describe('hypernode-cli', () => {
  it('lists the run command in --help and exits 0', async () => {
    const { out, code } = await startCli(['--help']).finished();
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/hypernode-cli run <files\.\.\.>/);
  });

  it('describes --spawn, --state and --workers in run --help', async () => {
    const { out, code } = await startCli(['run', '--help']).finished();
    expect(code).toBe(0);
    const text = out.join('\n');
    for (const flag of ['--spawn', '--state', '--workers']) expect(text).toContain(flag);
  });

  it('prints the version of its package.json with --version', async () => {
    const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'));
    const { out, code } = await startCli(['--version']).finished();
    expect(code).toBe(0);
    expect(out).toEqual([version]);
  });

  it('exits 1 with a one-line error and no stack trace when no command is given', async () => {
    const { err, code } = await startCli([]).finished();
    expect(code).toBe(1);
    expectOneLineError(err, /run with --help/);
  });
});

describe('hypernode-cli run', () => {
  it('runs the HTTP example: loads both modules, answers a real request, and on SIGINT stops the server and exits 0', async () => {
    const cli = startCli(['run', ...httpExample, '--spawn', 'HttpServer', '--state', '{"port":0}', '--workers', '3']);
    await cli.line(/^loaded HttpServer v1 [0-9a-f]{8} from examples\/http-server\/http-server\.ts$/);
    await cli.line(/^loaded HttpServerRequestHandler v1 [0-9a-f]{8} from /);
    await cli.line(/^spawned HttpServer as '[^']+'; press Ctrl-C to stop$/);
    const [, port] = await cli.line(/^hypernode HTTP example listening on http:\/\/127\.0\.0\.1:(\d+)\/$/);
    const response = await fetch(`http://127.0.0.1:${port}/from-the-cli-test`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello 127.0.0.1, you asked for /from-the-cli-test\n');

    cli.child.kill('SIGINT');
    const { code, out, err } = await cli.finished();
    expect(code).toBe(0);
    expect(out.at(-1)).toBe('stopped');
    expect(err.join('\n')).toContain('SIGINT received: stopping the cluster');
    // The server's processWillExit closed the port before the CLI said it stopped.
    expect(await portIsClosed(Number(port))).toBe(true);
  });

  it('stops cleanly on SIGTERM too', async () => {
    const cli = startCli(['run', ...httpExample, '--spawn', 'HttpServer', '--state', '{"port":0}']);
    const [, port] = await cli.line(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
    cli.child.kill('SIGTERM');
    const { code, out } = await cli.finished();
    expect(code).toBe(0);
    expect(out.at(-1)).toBe('stopped');
    expect(await portIsClosed(Number(port))).toBe(true);
  });

  it('exits at once with 130 on a second SIGINT while the cluster is still stopping', async () => {
    const cli = startCli(['run', stubborn, '--spawn', 'Stubborn']);
    await cli.line(/^spawned Stubborn as /);
    cli.child.kill('SIGINT');
    await cli.line(/^stubborn: processWillExit started/);
    cli.child.kill('SIGINT');
    const { code, out, err } = await cli.finished();
    expect(code).toBe(130);
    expect(out).not.toContain('stopped');
    expect(err.join('\n')).toContain('SIGINT received again: exiting without waiting');
  });

  it('exits 1 with a one-line error naming the flag and the JSON error when --state is not JSON', async () => {
    const { code, err, out } = await startCli(['run', ...httpExample, '--spawn', 'HttpServer', '--state', '{port:3000}']).finished();
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expectOneLineError(err, /--state is not valid JSON \(.*JSON.*\)/);
  });

  it('exits 1 with a one-line error listing the loaded modules when --spawn names an unknown module', async () => {
    const { code, err } = await startCli(['run', ...httpExample, '--spawn', 'HttpServr']).finished();
    expect(code).toBe(1);
    expectOneLineError(err, /Module 'HttpServr' is not defined by the files given; loaded modules: HttpServer, HttpServerRequestHandler/);
  });

  it('exits 1 with a one-line error when a flag that takes one value is repeated', async () => {
    const { code, err } = await startCli(['run', ...httpExample, '--spawn', 'HttpServer', '--spawn', 'HttpServerRequestHandler']).finished();
    expect(code).toBe(1);
    expectOneLineError(err, /--spawn was given 2 times \(HttpServer, HttpServerRequestHandler\); give it once\./);
  });

  it('exits 1 with a one-line error naming the path when a file is missing', async () => {
    const { code, err } = await startCli(['run', 'examples/no-such-file.ts', '--spawn', 'X']).finished();
    expect(code).toBe(1);
    expectOneLineError(err, /examples\/no-such-file\.ts'?: no such file/);
  });

  it('prints the stack trace of an error only with --verbose', async () => {
    const { code, err } = await startCli(['run', 'examples/no-such-file.ts', '--spawn', 'X', '--verbose']).finished();
    expect(code).toBe(1);
    expect(err[0]).toMatch(/^hypernode-cli: error: .*no such file/);
    expect(err.join('\n')).toMatch(/\n\s+at /);
  });

  it('exits 1 naming the reason when the spawned process crashes', async () => {
    const { code, err } = await startCli([
      'run',
      'examples/crash/crash-child.ts',
      '--spawn',
      'CrashChild',
      '--state',
      '{"mode":"throw","message":"boom"}',
    ]).finished();
    expect(code).toBe(1);
    expect(err.at(-1)).toMatch(/^hypernode-cli: error: CrashChild '[^']+' crashed: Error: boom$/);
  });

  it('exits 0 when the spawned process ends normally', async () => {
    const { code, out } = await startCli([
      'run',
      'examples/crash/crash-parent.ts',
      'examples/crash/crash-child.ts',
      '--spawn',
      'CrashParent',
    ]).finished();
    expect(code).toBe(0);
    expect(out.some((l) => /^crash: child '[^']+' \(throw\) ended: Error: something went wrong$/.test(l))).toBe(true);
    expect(out.some((l) => /^crash: child '[^']+' \(exit\) ended: giving up$/.test(l))).toBe(true);
    expect(out.some((l) => /^CrashParent '[^']+' exited: normal$/.test(l))).toBe(true);
    expect(out.at(-1)).toBe('stopped');
  });
});
