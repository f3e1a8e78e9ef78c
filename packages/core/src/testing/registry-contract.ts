import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../clock';
import { HypernodeError } from '../errors';
import type { MemberInfo, ModuleSource, Registry } from '../registry';

/** What {@link registryContract} needs for each test: a fresh, empty registry and a way to remove it. */
export interface RegistryContractFixture {
  registry: Registry;
  /** The clock the registry computes expiry from, when it takes an injected one; TTL tests then advance it. */
  clock?: ManualClock;
  /** Closes the registry and deletes everything it stored. */
  cleanup(): Promise<void>;
}

/**
 * Defines a vitest suite that checks a {@link Registry} implementation against every promise of the
 * interface. Call it at the top level of a test file; `setup` runs before each test and must return an
 * empty registry (for a server-backed adapter: a fresh, unique cluster name), `cleanup` runs after it.
 *
 * TTL tests advance `clock` when one is returned; otherwise they use real TTLs of a few hundred
 * milliseconds and poll `listMembers` until the expected change, bounded by a generous deadline, so they
 * never depend on fixed sleeps or on timing. It does not test reconnection or multi-tenancy: those are
 * the adapter's own tests.
 */
export function registryContract(name: string, setup: () => Promise<RegistryContractFixture>): void {
  describe(`Registry contract: ${name}`, () => {
    let fx: RegistryContractFixture;
    let registry: Registry;

    beforeEach(async () => {
      fx = await setup();
      registry = fx.registry;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    describe('module versions', () => {
      it('numbers versions 1, 2, 3 and reads each back with its code and hash', async () => {
        const stored = [];
        for (const code of ['a()', 'b()', 'c()']) stored.push(await registry.addModuleVersion('Echo', source(code, '/src/echo.ts')));
        expect(stored.map((v) => v.version)).toEqual([1, 2, 3]);
        for (const [i, code] of ['a()', 'b()', 'c()'].entries()) {
          const read = await registry.getModuleVersion('Echo', i + 1);
          expect(read).toMatchObject({ name: 'Echo', version: i + 1, code, hash: sha256(code), origin: '/src/echo.ts' });
          expect(typeof read!.loadedAt).toBe('number');
          expect(read).toEqual(stored[i]);
        }
        expect(await registry.getModuleVersion('Echo')).toEqual(stored[2]);
      });

      it('returns the latest version and stores nothing when the hash is unchanged', async () => {
        const first = await registry.addModuleVersion('Echo', source('a()'));
        const again = await registry.addModuleVersion('Echo', source('a()'));
        expect(again).toEqual(first);
        expect(await registry.getModuleVersion('Echo', 2)).toBeUndefined();
      });

      it('stores a seal with its version and returns it unchanged, from every read', async () => {
        const stored = await registry.addModuleVersion('Sealed', { ...source('s()', '/src/s.ts'), seal: 'hm1:abc' });
        expect(stored.seal).toBe('hm1:abc');
        expect((await registry.getModuleVersion('Sealed', stored.version))?.seal).toBe('hm1:abc');
        expect((await registry.listModules()).find((m) => m.name === 'Sealed')?.seal).toBe('hm1:abc');
        expect((await registry.addModuleVersion('Sealed', { ...source('s()', '/src/s.ts'), seal: 'hm1:abc' })).version).toBe(stored.version);
      });

      it('stores a new version when the same code and hash come back with another seal, or without one', async () => {
        await registry.addModuleVersion('Resealed', { ...source('r()'), seal: 'hm1:one' });
        expect(await registry.addModuleVersion('Resealed', { ...source('r()'), seal: 'hm1:two' })).toMatchObject({ version: 2, seal: 'hm1:two' });
        const unsealed = await registry.addModuleVersion('Resealed', source('r()'));
        expect(unsealed.version).toBe(3);
        expect(unsealed.seal).toBeUndefined();
      });

      it('stores a new version when an older, non-latest hash comes back', async () => {
        await registry.addModuleVersion('Echo', source('a()'));
        await registry.addModuleVersion('Echo', source('b()'));
        const back = await registry.addModuleVersion('Echo', source('a()'));
        expect(back).toMatchObject({ version: 3, code: 'a()' });
      });

      it('gives concurrent additions of different code distinct consecutive versions', async () => {
        const added = await Promise.all(Array.from({ length: 10 }, (_, i) => registry.addModuleVersion('Busy', source(`v${i}()`))));
        expect(added.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        for (const v of added) expect((await registry.getModuleVersion('Busy', v.version))!.code).toBe(v.code);
      });

      it('gives concurrent additions of the same code one version', async () => {
        const added = await Promise.all(Array.from({ length: 10 }, () => registry.addModuleVersion('Same', source('same()'))));
        expect(new Set(added.map((v) => v.version))).toEqual(new Set([1]));
      });

      it('keeps module code byte-exact, including non-ASCII text', async () => {
        const code = 'module.exports = "héllo \u{1F600} \u0000 \\n";\n'.repeat(2000);
        await registry.addModuleVersion('Unicode', source(code));
        expect((await registry.getModuleVersion('Unicode'))!.code).toBe(code);
      });

      it('answers undefined for an unknown module or version', async () => {
        expect(await registry.getModuleVersion('Missing')).toBeUndefined();
        await registry.addModuleVersion('Echo', source('a()'));
        expect(await registry.getModuleVersion('Echo', 2)).toBeUndefined();
      });

      it('lists the latest version of every module, sorted by name', async () => {
        expect(await registry.listModules()).toEqual([]);
        await registry.addModuleVersion('Zeta', source('z1()'));
        await registry.addModuleVersion('Alpha', source('a1()'));
        await registry.addModuleVersion('Zeta', source('z2()'));
        await registry.addModuleVersion('Mu', source('m1()'));
        const listed = await registry.listModules();
        expect(listed.map((m) => [m.name, m.version, m.code])).toEqual([
          ['Alpha', 1, 'a1()'],
          ['Mu', 1, 'm1()'],
          ['Zeta', 2, 'z2()'],
        ]);
      });

      it('rejects an empty module name or code that is not a string with INVALID_ARGUMENT', async () => {
        await expectCode(registry.addModuleVersion('', source('a()')), 'INVALID_ARGUMENT');
        await expectCode(registry.addModuleVersion('Echo', { code: 42 as unknown as string, hash: 'x' }), 'INVALID_ARGUMENT');
        await expectCode(registry.getModuleVersion('Echo', 0), 'INVALID_ARGUMENT');
      });
    });

    describe('members', () => {
      it('lists members sorted by id and forgets a removed one', async () => {
        await registry.putMember(member('w-2'), 60_000);
        await registry.putMember(member('n-1', 'node'), 60_000);
        await registry.putMember(member('w-1'), 60_000);
        expect((await registry.listMembers()).map((m) => m.id)).toEqual(['n-1', 'w-1', 'w-2']);
        await registry.removeMember('w-1');
        expect((await registry.listMembers()).map((m) => m.id)).toEqual(['n-1', 'w-2']);
        await registry.removeMember('never-there');
      });

      it('keeps the latest record of a member, load report and meta included', async () => {
        await registry.putMember(member('w-1'), 60_000);
        const updated = member('w-1', 'worker', { processes: 7, backlog: 3, eventLoopDelayMs: 1.5, rssBytes: 123_456_789, at: 1_700_000_000_123 });
        await registry.putMember(updated, 60_000);
        expect(await registry.listMembers()).toEqual([updated]);
      });

      it('copies members in and out, so mutating them changes nothing stored', async () => {
        const m = member('w-1');
        await registry.putMember(m, 60_000);
        m.meta!.version = 'mutated';
        const [listed] = await registry.listMembers();
        expect(listed!.meta!.version).toBe('1.0.0');
        listed!.meta!.version = 'mutated too';
        expect((await registry.listMembers())[0]!.meta!.version).toBe('1.0.0');
      });

      it('drops a member once its ttl passes without a heartbeat', async () => {
        if (fx.clock) {
          await registry.putMember(member('w-1'), 1_000);
          fx.clock.advance(999);
          expect((await registry.listMembers()).map((m) => m.id)).toEqual(['w-1']);
          fx.clock.advance(1);
          expect(await registry.listMembers()).toEqual([]);
        } else {
          await registry.putMember(member('w-1'), 300);
          await registry.putMember(member('w-long'), 120_000);
          await pollUntil(async () => !(await registry.listMembers()).some((m) => m.id === 'w-1'), 'member w-1 to expire');
          expect((await registry.listMembers()).map((m) => m.id)).toEqual(['w-long']);
        }
      });

      it('keeps a member alive while heartbeats arrive within its ttl', async () => {
        if (fx.clock) {
          await registry.putMember(member('w-1'), 1_000);
          await registry.putMember(member('w-2'), 1_000);
          for (let i = 0; i < 5; i++) {
            fx.clock.advance(600);
            await registry.putMember(member('w-1'), 1_000);
          }
          expect((await registry.listMembers()).map((m) => m.id)).toEqual(['w-1']);
          fx.clock.advance(1_000);
          expect(await registry.listMembers()).toEqual([]);
        } else {
          // w-2 gets no heartbeat: its expiry is the event that proves time passed beyond one ttl.
          await registry.putMember(member('w-1'), 400);
          await registry.putMember(member('w-2'), 400);
          await pollUntil(async () => {
            await registry.putMember(member('w-1'), 400);
            return !(await registry.listMembers()).some((m) => m.id === 'w-2');
          }, 'member w-2 to expire');
          expect((await registry.listMembers()).map((m) => m.id)).toEqual(['w-1']);
        }
      });

      it('rejects a member without an id or with a ttl that is not above 0 with INVALID_ARGUMENT', async () => {
        await expectCode(registry.putMember(member(''), 1_000), 'INVALID_ARGUMENT');
        await expectCode(registry.putMember(member('w-1'), 0), 'INVALID_ARGUMENT');
        await expectCode(registry.putMember(member('w-1'), -5), 'INVALID_ARGUMENT');
        await expectCode(registry.putMember(member('w-1'), Number.NaN), 'INVALID_ARGUMENT');
        expect(await registry.listMembers()).toEqual([]);
      });
    });

    describe('names', () => {
      it('lets exactly one of 20 concurrent registrations of a name win', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => registry.registerName('svc', `pid-${i}`)));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = `pid-${results.indexOf(true)}`;
        expect(await registry.lookupName('svc')).toBe(winner);
      });

      it('refuses a taken name and accepts the same pid registering it again', async () => {
        expect(await registry.registerName('svc', 'pid-1')).toBe(true);
        expect(await registry.registerName('svc', 'pid-2')).toBe(false);
        expect(await registry.registerName('svc', 'pid-1')).toBe(true);
        expect(await registry.lookupName('svc')).toBe('pid-1');
      });

      it('unregisters a name only for the pid it points at', async () => {
        await registry.registerName('svc', 'pid-1');
        expect(await registry.unregisterName('svc', 'pid-2')).toBe(false);
        expect(await registry.lookupName('svc')).toBe('pid-1');
        expect(await registry.unregisterName('svc', 'pid-1')).toBe(true);
        expect(await registry.lookupName('svc')).toBeUndefined();
        expect(await registry.unregisterName('svc', 'pid-1')).toBe(false);
        expect(await registry.registerName('svc', 'pid-2')).toBe(true);
      });

      it('looks names up and lists every name with its pid', async () => {
        expect(await registry.lookupName('nobody')).toBeUndefined();
        expect(await registry.listNames()).toEqual({});
        await registry.registerName('b', 'pid-b');
        await registry.registerName('a', 'pid-a');
        expect(await registry.listNames()).toEqual({ a: 'pid-a', b: 'pid-b' });
      });

      it('rejects an empty name or pid with INVALID_ARGUMENT', async () => {
        await expectCode(registry.registerName('', 'pid-1'), 'INVALID_ARGUMENT');
        await expectCode(registry.registerName('svc', ''), 'INVALID_ARGUMENT');
      });
    });

    describe('values', () => {
      it('stores binary values byte-identical, every byte value included', async () => {
        const all = Uint8Array.from({ length: 256 }, (_, i) => i);
        const invalidUtf8 = Uint8Array.from([0xc3, 0x28, 0xff, 0xfe, 0x00, 0xed, 0xa0, 0x80]);
        const big = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) & 0xff);
        for (const [key, value] of [['all', all], ['bad-utf8', invalidUtf8], ['big', big], ['empty', new Uint8Array(0)]] as const) {
          await registry.setValue(key, value);
          const read = await registry.getValue(key);
          expect(read).toBeInstanceOf(Uint8Array);
          expect(Buffer.from(read!).equals(Buffer.from(value))).toBe(true);
        }
      });

      it('replaces, deletes and reports missing values as undefined', async () => {
        expect(await registry.getValue('state')).toBeUndefined();
        await registry.setValue('state', Uint8Array.from([1]));
        await registry.setValue('state', Uint8Array.from([2, 3]));
        expect([...(await registry.getValue('state'))!]).toEqual([2, 3]);
        await registry.deleteValue('state');
        expect(await registry.getValue('state')).toBeUndefined();
        await registry.deleteValue('state');
      });

      it('copies values in and out, so mutating them changes nothing stored', async () => {
        const value = Uint8Array.from([1, 2, 3]);
        await registry.setValue('state', value);
        value[0] = 99;
        const read = (await registry.getValue('state'))!;
        expect([...read]).toEqual([1, 2, 3]);
        read[1] = 99;
        expect([...(await registry.getValue('state'))!]).toEqual([1, 2, 3]);
      });

      it('stores a value given as a view into a larger buffer as just that view', async () => {
        const backing = Uint8Array.from([9, 9, 1, 2, 3, 9]);
        await registry.setValue('view', backing.subarray(2, 5));
        expect([...(await registry.getValue('view'))!]).toEqual([1, 2, 3]);
      });
    });

    describe('close', () => {
      it('is idempotent, and calls after it reject with REGISTRY_DOWN', async () => {
        await registry.close();
        await registry.close();
        await expectCode(registry.lookupName('svc'), 'REGISTRY_DOWN');
      });
    });
  });
}

function sha256(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

function source(code: string, origin?: string): ModuleSource {
  return origin === undefined ? { code, hash: sha256(code) } : { code, hash: sha256(code), origin };
}

function member(id: string, role: MemberInfo['role'] = 'worker', load?: MemberInfo['load']): MemberInfo {
  const m: MemberInfo = { id, role, node: 'node-a', host: 'host-a', pid: 4242, startedAt: 1_700_000_000_000, meta: { version: '1.0.0', inbox: 3, draining: false } };
  if (load) m.load = load;
  return m;
}

async function expectCode(promise: Promise<unknown>, code: HypernodeError['code']): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(HypernodeError.is(err, code), `expected a HypernodeError ${code}, got ${String(err)}`).toBe(true);
}

/** Polls `check` until it holds; fails after a generous deadline (a bound, not a timing assertion). */
async function pollUntil(check: () => Promise<boolean>, what: string, deadlineMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > deadlineMs) throw new Error(`Timed out after ${deadlineMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
