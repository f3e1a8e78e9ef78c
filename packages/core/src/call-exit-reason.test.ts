import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, type EmbeddedCluster } from './cluster';
import type { Context } from './context';
import { HypernodeError } from './errors';
import { silentLogger } from './logger';
import { Process } from './process';

let cluster: EmbeddedCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

class Crasher extends Process {
  static override moduleName = 'Crasher';
  override processDidReceiveMessage(): never {
    throw new RangeError('port 80 is taken');
  }
}

class Caller extends Process<{ target: string; report: string }> {
  static override moduleName = 'Caller';
  override async processWillRun(state: { target: string; report: string }, { call, send }: Context<{ target: string; report: string }>) {
    const err = await call(state.target, 'hi', 60_000).catch((e: unknown) => e as HypernodeError);
    send(state.report, { message: (err as Error).message, cause: (err as Error).cause });
    return state;
  }
}

describe('a call to a process that crashes before replying', () => {
  it("fails with PROCESS_EXITED naming the callee's exit reason, which the error carries as its cause", async () => {
    cluster = await createCluster({ workers: 1, logger: silentLogger, modules: [Crasher] });
    const pid = await cluster.spawn('Crasher');
    const err = await cluster.call(pid, 'hi', 60_000).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'PROCESS_EXITED')).toBe(true);
    expect((err as Error).message).toBe(`Process '${pid}' ended with reason RangeError: port 80 is taken before replying; handle the error or monitor it.`);
    expect((err as Error).cause).toMatchObject({ name: 'RangeError', message: 'port 80 is taken' });
  });

  it('names the reason to a process that made the call too', async () => {
    cluster = await createCluster({ workers: 2, logger: silentLogger, modules: [Crasher, Caller] });
    const inbox = cluster.inbox();
    const target = await cluster.spawn('Crasher');
    await cluster.spawn('Caller', { target, report: inbox.name });
    const { message } = await inbox.receive(30_000);
    expect(message).toMatchObject({ message: expect.stringContaining('ended with reason RangeError: port 80 is taken before replying'), cause: { name: 'RangeError', message: 'port 80 is taken' } });
    inbox.close();
  });
});
