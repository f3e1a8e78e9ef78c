// Typed names. Most of this file is checked by the compiler, not run: `tsc -p tsconfig.json` (part of
// `pnpm test`) fails when a call marked `@ts-expect-error` compiles, so each such line proves that a wrong
// message, state or reply is refused, and the lines without it prove that the right ones are accepted.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createCluster, HypernodeError, Process, silentLogger, Supervisor, type Cluster, type Context, type ProcessName, type SupervisorSpec } from './index';
import type { InitialStateOf, MessageOf, ReplyFrom, ReplyOf, SpawnedName, StateOf } from './typed-names';

type CounterMessage = { type: 'ADD'; n: number } | { type: 'GET' };

class TypedCounter extends Process<{ count: number }, CounterMessage, number> {
  static override moduleName = 'TypedNamesCounter';

  override processDidReceiveMessage(state: { count: number }, message: CounterMessage, _from: string, ctx: Context<{ count: number }, number>) {
    if (message.type === 'GET') ctx.reply(state.count);
    else return { count: state.count + message.n };
  }
}

type LogMessage = { type: 'LOG'; line: string };
class TypedLog extends Process<{ lines: string[] }, LogMessage> {}

/** A module written without type parameters, as in the seed: it takes any message. */
class Untyped extends Process {}

/** A module whose state accepts `{}` (the default initial state), so `spawn` needs no state. */
class Optional extends Process<{ label?: string }, { type: 'PING' }> {}

declare module '@hypernode/core' {
  interface ModuleMap {
    TypedNamesCounter: typeof TypedCounter;
  }
}

/** Compiled, never run: the checks on `ctx`. */
async function contextChecks(ctx: Context) {
  // Spawning a class checks the initial state and types the name with the module's messages and reply.
  const counter = ctx.spawn(TypedCounter, { count: 0 });
  expectTypeOf(counter).toEqualTypeOf<ProcessName<CounterMessage, number>>();
  // @ts-expect-error the state does not match the module's State
  ctx.spawn(TypedCounter, { count: 'oops' });
  // @ts-expect-error the state is required when State does not accept {}
  ctx.spawn(TypedCounter);
  ctx.spawn(Optional);
  // A module whose processWillRun takes something else than its State is spawned with that.
  ctx.spawn(Supervisor, { strategy: 'oneForAll', children: [{ id: 'a', module: 'TypedNamesCounter', state: { count: 0 } }] });
  // @ts-expect-error not a restart strategy
  ctx.spawn(Supervisor, { strategy: 'allForNone', children: [] });
  // @ts-expect-error a supervisor is spawned with a SupervisorSpec, which needs children
  ctx.spawn(Supervisor, { strategy: 'oneForAll' });

  ctx.send(counter, { type: 'ADD', n: 1 });
  // @ts-expect-error not a message of TypedCounter
  ctx.send(counter, { type: 'NOT_A_COUNTER_MESSAGE' });
  // @ts-expect-error a field of the wrong type
  ctx.send(counter, { type: 'ADD', n: '1' });
  ctx.sendAfter(counter, { type: 'GET' }, 100);
  // @ts-expect-error sendAfter checks the message too
  ctx.sendAfter(counter, { type: 'SUB', n: 1 }, 100);

  // call checks the message and resolves with the module's Reply.
  expectTypeOf(ctx.call(counter, { type: 'GET' })).toEqualTypeOf<Promise<number>>();
  const count: number = await ctx.call(counter, { type: 'GET' });
  // @ts-expect-error the reply is a number
  const wrong: string = await ctx.call(counter, { type: 'GET' });
  // @ts-expect-error not a message of TypedCounter
  await ctx.call(counter, { type: 'RESET' });

  // A name declared in ModuleMap is typed as its class is.
  const byName = ctx.spawn('TypedNamesCounter', { count: 1 });
  expectTypeOf(byName).toEqualTypeOf<ProcessName<CounterMessage, number>>();
  // @ts-expect-error the state does not match the declared module's State
  ctx.spawn('TypedNamesCounter', { count: 'oops' });
  // @ts-expect-error not a message of the declared module
  ctx.send(byName, { type: 'NOT_A_COUNTER_MESSAGE' });

  // A typed name is a string wherever a string is taken.
  const asString: string = counter;
  ctx.monitor(counter);
  ctx.link(byName);
  ctx.kill(counter);
  // Two modules' names are not interchangeable.
  const log = ctx.spawn(TypedLog, { lines: [] });
  // @ts-expect-error a log's name is not a counter's name
  const notACounter: ProcessName<CounterMessage, number> = log;
  // A plain string may be declared typed (a registered name, a parent's name).
  const registered: ProcessName<LogMessage> = 'logger';
  ctx.send(registered, { type: 'LOG', line: 'hello' });
  // @ts-expect-error not a log message
  ctx.send(registered, { type: 'ADD', n: 1 });

  return [count, wrong, asString, notACounter];
}

/** Compiled, never run: untyped code keeps compiling as before. */
async function untypedChecks(ctx: Context, moduleName: string, someone: string) {
  const child = ctx.spawn('NotDeclared', { anything: [1, 2] });
  ctx.send(child, { type: 'WHATEVER' });
  ctx.send(child, 42);
  const name: string = child;
  ctx.spawn(moduleName);
  ctx.spawn(moduleName, 'any state');
  ctx.send(someone, { any: 'message' });
  ctx.send('registered-name', { any: 'message' });
  ctx.sendAfter(someone, 'tick', 10);
  expectTypeOf(ctx.call(someone, 1)).toEqualTypeOf<Promise<unknown>>();
  // Naming the reply type stays possible (unchecked, as before), on any name.
  expectTypeOf(ctx.call<number[]>(someone, 1)).toEqualTypeOf<Promise<number[]>>();
  const counter = ctx.spawn(TypedCounter, { count: 0 });
  expectTypeOf(ctx.call<string>(counter, { anything: true })).toEqualTypeOf<Promise<string>>();
  // The reply type may come from the context, as before, for an untyped name.
  const fromContext: string[] = await ctx.call(someone, 'list');
  // A module written without type parameters takes any message.
  const loose = ctx.spawn(Untyped, { a: 1 });
  ctx.send(loose, { anything: true });
  // Destructured functions stay typed.
  const { send, spawn } = ctx;
  const again = spawn(TypedCounter, { count: 2 });
  // @ts-expect-error destructured send checks too
  send(again, { type: 'NOPE' });
  return [name, fromContext];
}

/** Compiled, never run: the same checks from outside, on a cluster. */
async function clusterChecks(cluster: Cluster, someone: string) {
  const counter = await cluster.spawn(TypedCounter, { count: 0 });
  expectTypeOf(counter).toEqualTypeOf<ProcessName<CounterMessage, number>>();
  // @ts-expect-error the state does not match the module's State
  await cluster.spawn(TypedCounter, { count: 'oops' });
  // @ts-expect-error the state is required when State does not accept {}
  await cluster.spawn(TypedCounter);
  const byName = await cluster.spawn('TypedNamesCounter', { count: 1 });
  cluster.send(byName, { type: 'ADD', n: 1 });
  // @ts-expect-error not a message of TypedCounter
  cluster.send(counter, { type: 'NOT_A_COUNTER_MESSAGE' });
  expectTypeOf(cluster.call(counter, { type: 'GET' })).toEqualTypeOf<Promise<number>>();
  // @ts-expect-error the reply is a number
  const wrong: string = await cluster.call(counter, { type: 'GET' });
  // Untyped names stay as before.
  const any = await cluster.spawn('NotDeclared', 'any state');
  const name: string = any;
  cluster.send(someone, { whatever: 1 }, 'outside-sender');
  const list: string[] = await cluster.call(someone, 'list');
  expectTypeOf(cluster.call<number[]>(someone, 1)).toEqualTypeOf<Promise<number[]>>();
  return [wrong, name, list];
}

/** Compiled, never run: the receiving side's reply type. */
function replyChecks(ctx: Context<{ count: number }, number>) {
  ctx.reply(1);
  // @ts-expect-error this process answers calls with numbers
  ctx.reply('one');
}

describe('typed names', () => {
  it('derive state, messages and reply from a module class or a declared module name', () => {
    expectTypeOf<StateOf<typeof TypedCounter>>().toEqualTypeOf<{ count: number }>();
    expectTypeOf<InitialStateOf<typeof TypedCounter>>().toEqualTypeOf<{ count: number }>();
    expectTypeOf<InitialStateOf<typeof Supervisor>>().toEqualTypeOf<SupervisorSpec>();
    expectTypeOf<MessageOf<'TypedNamesCounter'>>().toEqualTypeOf<CounterMessage>();
    expectTypeOf<ReplyOf<typeof TypedCounter>>().toEqualTypeOf<number>();
    expectTypeOf<MessageOf<'NotDeclared'>>().toEqualTypeOf<unknown>();
    expectTypeOf<ReplyFrom<SpawnedName<typeof TypedLog>>>().toEqualTypeOf<unknown>();
    expectTypeOf<ReplyFrom<string>>().toEqualTypeOf<unknown>();
    expect([contextChecks, untypedChecks, clusterChecks, replyChecks]).toHaveLength(4);
  });

  it('are plain strings at run time: a process spawns a declared module by name, then sends to and calls it', async () => {
    class Spawner extends Process<{ counter?: string }, { type: 'START' }, number> {
      static override moduleName = 'TypedNamesSpawner';

      override async processDidReceiveMessage(_state: { counter?: string }, _message: { type: 'START' }, _from: string, ctx: Context<{ counter?: string }, number>) {
        const counter = ctx.spawn('TypedNamesCounter', { count: 40 });
        ctx.send(counter, { type: 'ADD', n: 2 });
        ctx.reply(await ctx.call(counter, { type: 'GET' }));
        return { counter };
      }
    }
    const cluster = await createCluster({ logger: silentLogger, modules: [TypedCounter, Spawner] });
    try {
      const spawner = await cluster.spawn('TypedNamesSpawner');
      expect(typeof spawner).toBe('string');
      expect(await cluster.call(spawner, { type: 'START' })).toBe(42);
    } finally {
      await cluster.stop();
    }
  });

  it('are taken from outside too: a cluster spawns a loaded class by its class, and refuses one not loaded', async () => {
    const cluster = await createCluster({ logger: silentLogger, modules: [TypedCounter] });
    try {
      const counter = await cluster.spawn(TypedCounter, { count: 1 });
      cluster.send(counter, { type: 'ADD', n: 2 });
      expect(await cluster.call(counter, { type: 'GET' })).toBe(3);
      const error = await cluster.spawn(TypedLog, { lines: [] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HypernodeError);
      expect((error as HypernodeError).code).toBe('MODULE_NOT_FOUND');
      expect((error as Error).message).toContain("'TypedLog'");
      const notAModule = await cluster.spawn((() => 1) as never).catch((e: unknown) => e);
      expect((notAModule as HypernodeError).code).toBe('INVALID_ARGUMENT');
      expect((notAModule as Error).message).toMatch(/module's name .* or its Process class/);
    } finally {
      await cluster.stop();
    }
  });
});
