import { describe, expect, expectTypeOf, it } from 'vitest';
import * as hypernode from 'hypernode';
import { Process, type Context, type ProcessName } from 'hypernode';

type GreeterMessage = { type: 'GREET'; to: string };

class Greeter extends Process<{ greeting: string }, GreeterMessage, string> {
  static override moduleName = 'HypernodeTypedGreeter';
}

// Declared through 'hypernode': merges into @hypernode/core's ModuleMap, which the context reads.
declare module 'hypernode' {
  interface ModuleMap {
    HypernodeTypedGreeter: typeof Greeter;
  }
}

/** Compiled, never run (see packages/core/src/typed-names.test.ts). */
async function checks(ctx: Context) {
  const greeter = ctx.spawn('HypernodeTypedGreeter', { greeting: 'hello' });
  expectTypeOf(greeter).toEqualTypeOf<ProcessName<GreeterMessage, string>>();
  // @ts-expect-error the state of a module declared through 'hypernode' is checked
  ctx.spawn('HypernodeTypedGreeter', { greeting: 42 });
  // @ts-expect-error and so are the messages to it
  ctx.send(greeter, { type: 'WAVE' });
  const reply: string = await ctx.call(greeter, { type: 'GREET', to: 'you' });
  return reply;
}

describe('the hypernode package', () => {
  it('exports the public surface of @hypernode/core by name, plus connectCluster, and no runtime internals', () => {
    expect(Object.keys(hypernode).sort()).toEqual(
      [
        'EmbeddedCluster',
        'HypernodeError',
        'Inbox',
        'ManualClock',
        'Process',
        'Root',
        'Supervisor',
        'checkData',
        'connectCluster',
        'consoleLogger',
        'copyData',
        'createCluster',
        'isProcessClass',
        'silentLogger',
        'systemClock',
      ].sort(),
    );
    expect(checks).toBeTypeOf('function');
  });
});
