import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clusterPerTest } from './test-support';
import { assembleArray, checkData, copyData, decode, decodeTrusted, encode, encodeTrusted } from './codec';
import { Process, type Context, type EmbeddedCluster, type ProcessClass } from './index';

// Messages are data (ARCHITECTURE §1 "Messages"): what the codec carries arrives intact, anything else is
// refused with a TypeError at the call site naming the path, the same on one worker and across workers,
// and no mutation crosses a process boundary. copyData (the local path) and encode/decode (the wire) agree.

class FakeSocket {
  fd = 7;
  destroyed = false;
  write(_chunk: unknown): boolean {
    return true;
  }
}

/** Values the codec carries, with what should arrive when that differs from the value itself. */
function corpus(): [string, unknown, unknown?][] {
  const buffer = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]).buffer;
  const nullProto = Object.assign(Object.create(null), { a: 1 });
  return [
    ['null', null],
    ['undefined', undefined],
    ['true', true],
    ['zero', 0],
    ['negative zero', -0, 0],
    ['integer beyond 32 bits', 2 ** 40],
    ['max safe integer', Number.MAX_SAFE_INTEGER],
    ['float', 0.1],
    ['NaN', NaN],
    ['Infinity', -Infinity],
    ['empty string', ''],
    ['unicode string', 'héllo ✓ 𝄞'],
    ['long string', 'x'.repeat(100_000)],
    ['small bigint', 1n],
    ['negative bigint', -(2n ** 63n)],
    ['huge bigint', 2n ** 200n],
    ['Date', new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123))],
    ['Date before 1970', new Date(-1e13)],
    ['invalid Date', new Date(NaN)],
    ['Map with string keys', new Map([['a', 1], ['b', 2]])],
    ['Map with non-string keys', new Map<unknown, unknown>([[1, 'one'], ['1', 'string one'], [2n, 'big'], [{ k: 1 }, 'object'], [new Date(5), 'date'], [null, 'null'], [undefined, 'undef']])],
    ['Set', new Set([1, '1', 2n, { a: 1 }, [1, 2]])],
    ['Map in a Set in a Map', new Map([['outer', new Set([new Map([[1, new Set(['deep'])]])])]])],
    ['Uint8Array', new Uint8Array([1, 2, 255])],
    ['Uint8Array view with an offset', new Uint8Array(buffer, 2, 3)],
    ['Buffer', Buffer.from('bytes')],
    ['Int16Array', new Int16Array([-1, 2, -32768])],
    ['Float64Array', new Float64Array([1.5, NaN, -Infinity])],
    ['Float32Array', new Float32Array([0.1])],
    ['Uint8ClampedArray', new Uint8ClampedArray([300, -5])],
    ['BigInt64Array', new BigInt64Array([1n, -2n])],
    ['ArrayBuffer', buffer],
    ['object with an undefined property', { a: undefined, b: 1 }],
    ['object with a null prototype', nullProto, { a: 1 }],
    ['array with undefined', [1, undefined, 3]],
    ['empty containers', { o: {}, a: [], m: new Map(), s: new Set() }],
    ['shared (non-cyclic) reference', (() => { const shared = { x: 1 }; return { a: shared, b: shared }; })()],
    [
      'nested mix',
      {
        type: 'ORDER',
        payload: { at: new Date(0), tags: new Set(['a']), lines: [{ sku: 'x', qty: 2n, meta: new Map([[1, { ok: true }]]) }], raw: new Float64Array([1, 2]) },
      },
    ],
  ];
}

/** Values that are not data, with the path the error must name (relative to the given root name). */
function refused(): [string, unknown, string][] {
  const cycle: any = { payload: { list: [] as unknown[] } };
  cycle.payload.list.push(cycle.payload);
  const mapCycle = new Map<string, unknown>();
  mapCycle.set('self', mapCycle);
  return [
    ['a function', { payload: { fn: () => 1 } }, 'message.payload.fn'],
    ['a symbol', { payload: { sym: Symbol('s') } }, 'message.payload.sym'],
    ['a class instance (socket-like)', { payload: { req: { socket: new FakeSocket() } } }, 'message.payload.req.socket'],
    ['a real net.Socket', { payload: { req: { socket: new Socket() } } }, 'message.payload.req.socket'],
    ['an Error', { payload: { err: new Error('boom') } }, 'message.payload.err'],
    ['a cycle', cycle, 'message.payload.list[0]'],
    ['a cycle through a Map', { m: mapCycle }, 'message.m'],
    ['a Promise', { p: Promise.resolve(1) }, 'message.p'],
    ['a RegExp', { r: /x/ }, 'message.r'],
    ['a DataView', { d: new DataView(new ArrayBuffer(2)) }, 'message.d'],
    ['a boxed number', { n: new Number(1) }, 'message.n'],
    ['a WeakMap', [new WeakMap()], 'message[0]'],
    ['a function inside a Map value', new Map([['k', () => 1]]), 'message[map key "k"]'],
    ['a function inside a Set', new Set([1, () => 1]), 'message[set item 1]'],
    ['a __proto__ key', JSON.parse('{"a":{"__proto__":{"x":1}}}'), 'message.a.__proto__'],
  ];
}

/**
 * `value` with every Buffer turned into a plain Uint8Array of the same bytes: whether a Uint8Array arrives as
 * a Buffer is the codec's choice (it must only be the same locally and on the wire); the bytes must be intact.
 */
function sameBytes(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(sameBytes);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [sameBytes(k), sameBytes(v)]));
  if (value instanceof Set) return new Set([...value].map(sameBytes));
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sameBytes(v)]));
  }
  return value;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('assembleArray (a frame from its header and envelopes encoded beforehand)', () => {
  it('decodes as the array of its parts, for each width of msgpack array header', () => {
    for (const count of [0, 1, 14, 15, 16, 65_534, 65_535, 70_000]) {
      const items = Array.from({ length: count }, (_, i) => [0, `w2:p.${i}`, 'w1:q', { type: 'M', n: i }]);
      const frame = assembleArray(encodeTrusted(['hn2', 'w1']), items.map((item) => encodeTrusted(item)));
      const decoded = decodeTrusted(frame) as unknown[];
      expect(decoded.length, `${count} envelopes`).toBe(count + 1);
      expect(decoded[0]).toEqual(['hn2', 'w1']);
      expect(decoded.slice(1)).toEqual(items);
    }
  });
});

describe('copyData and the wire agree', () => {
  for (const [name, value, arrives] of corpus()) {
    it(`gives the same ${name} through copyData as through encode/decode, equal to what was sent`, () => {
      const local = copyData(value, 'message');
      const wire = decode(encode(value, 'message'));
      expect(local).toStrictEqual(wire);
      expect(sameBytes(local)).toEqual(sameBytes(arrives === undefined ? value : arrives));
      if (value !== null && typeof value === 'object') expect(local).not.toBe(value);
    });
  }

  it('gives the same string through copyData as through the wire when the string holds a lone surrogate', () => {
    for (const value of ['\uD800', 'a\uDC00b', { key: 'v\uD83D' }, ['x\uDFFF']]) {
      expect(copyData(value, 'message')).toStrictEqual(decode(encode(value, 'message')));
    }
  });

  it('keeps a property name with a lone surrogate on the local path, while the wire replaces it (documented divergence)', () => {
    const value = { ['key\uD83D']: 'v' };
    expect(Object.keys(copyData(value, 'message'))).toEqual(['key\uD83D']);
    expect(Object.keys(decode(encode(value, 'message')) as object)).toEqual(['key\uFFFD']);
  });

  it('copies deeply: mutating the copy leaves the original alone', () => {
    const original = { list: [1, { x: 1 }], m: new Map([['k', { v: 1 }]]), s: new Set([1]), d: new Date(0), bytes: new Uint8Array([1]) };
    const copy = copyData(original, 'message');
    copy.list.push(2);
    (copy.list[1] as { x: number }).x = 2;
    copy.m.get('k')!.v = 2;
    copy.s.add(2);
    copy.d.setTime(99);
    copy.bytes[0] = 9;
    expect(original).toEqual({ list: [1, { x: 1 }], m: new Map([['k', { v: 1 }]]), s: new Set([1]), d: new Date(0), bytes: new Uint8Array([1]) });
  });

  for (const [name, value, path] of refused()) {
    it(`refuses ${name} with the same TypeError in copyData, checkData and encode, naming ${path}`, () => {
      const local = thrown(() => copyData(value, 'message'));
      const checked = thrown(() => checkData(value, 'message'));
      const wire = thrown(() => encode(value, 'message'));
      expect(local).toBeInstanceOf(TypeError);
      expect(wire).toBeInstanceOf(TypeError);
      expect(checked).toBeInstanceOf(TypeError);
      expect(local.message).toContain(path);
      expect(wire.message).toBe(local.message);
      expect(checked.message).toBe(local.message);
    });
  }

  it('refuses a value nested deeper than the codec allows, in copyData and encode alike', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    const local = thrown(() => copyData(deep, 'message'));
    expect(local).toBeInstanceOf(TypeError);
    expect(thrown(() => encode(deep, 'message')).message).toBe(local.message);
  });

  it('leaves symbol-keyed properties out in copyData, as the wire does', () => {
    const shared = { mutable: true };
    const value = { a: 1, [Symbol('hidden')]: shared };
    const local = copyData(value, 'message');
    expect(Object.getOwnPropertySymbols(local)).toEqual([]);
    expect(local).toStrictEqual(decode(encode(value, 'message')));
  });

  it('decodes a Buffer to the same thing whether the frame bytes come as a Buffer or as a plain Uint8Array', () => {
    const value = { bytes: Buffer.from('bytes'), view: new Uint8Array([1, 2]) };
    const bytes = encode(value, 'message');
    const fromPlain = decode(new Uint8Array(bytes));
    expect(fromPlain).toStrictEqual(decode(Buffer.from(bytes)));
    expect(fromPlain).toStrictEqual(copyData(value, 'message'));
  });

  it('throws on garbage bytes in decode', () => {
    for (const garbage of [[0xc1], [0x92, 0x01], [0xd9], [0xff, 0xff, 0xc1]]) {
      expect(() => decode(new Uint8Array(garbage)), JSON.stringify(garbage)).toThrow();
    }
  });
});

describe('per-shape copiers (a plain object of a shape seen before is copied by code compiled for its keys)', () => {
  // In this file, the first copy of each shape takes the generic walk (the corpus test above runs first), the
  // second compiles a copier, and later ones reuse it: each value here is copied three times.
  const thrice = <T>(value: T): T[] => [copyData(value, 'message'), copyData(value, 'message'), copyData(value, 'message')];

  it('gives what the wire gives, every time, for every value of the corpus', () => {
    for (const [name, value] of corpus()) {
      const wire = decode(encode(value, 'message'));
      for (const local of thrice(value)) expect(local, name).toStrictEqual(wire);
    }
  });

  it('refuses non-data with the same TypeError every time, for every refused value', () => {
    for (const [name, value, path] of refused()) {
      const wire = thrown(() => encode(value, 'message')).message;
      for (let i = 0; i < 3; i++) {
        const local = thrown(() => copyData(value, 'message'));
        expect(local, name).toBeInstanceOf(TypeError);
        expect(local.message, name).toBe(wire);
        expect(local.message, name).toContain(path);
      }
    }
  });

  it('copies keys that need quoting, integer-like keys, inherited names and odd values exactly', () => {
    const value = {
      '': 'empty key',
      'with "quotes" and \\ backslash': 1,
      'line\nbreak': 2,
      '10': 'ten',
      '2': 'two',
      constructor: 'not a function',
      toString: 'not a function either',
      'héllo ✓ 𝄞': -0,
      lone: 'v\uD83D',
      big: 2n ** 70n,
      nothing: undefined,
      nested: { deeper: { deepest: [1, { a: 1 }] } },
    };
    const wire = decode(encode(value, 'message'));
    for (const local of thrice(value)) {
      expect(local).toStrictEqual(wire);
      expect(Object.keys(local)).toEqual(Object.keys(wire as object));
      expect(Object.is((local as any)['héllo ✓ 𝄞'], 0)).toBe(true);
      expect(Object.getPrototypeOf(local)).toBe(Object.prototype);
    }
  });

  it('tells apart shapes that share a prefix, differ in order, or alternate at one depth', () => {
    const values: unknown[] = [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 1 }, { a: 1, b: 2, c: 3 }, { a: { x: 1 }, b: { y: 2 } }, { x: { a: 1, b: 2 } }];
    for (let round = 0; round < 4; round++) {
      for (const value of values) {
        const local = copyData(value, 'message');
        expect(local).toStrictEqual(value);
        expect(JSON.stringify(local)).toBe(JSON.stringify(value));
      }
    }
  });

  it('refuses a function, a symbol or a class instance in a property of a compiled shape, naming its path', () => {
    const good = { type: 'T', payload: { n: 1 } };
    thrice(good);
    for (const bad of [() => 1, Symbol('s'), new FakeSocket()]) {
      const err = thrown(() => copyData({ type: 'T', payload: { n: bad } }, 'message'));
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toContain('message.payload.n');
    }
  });

  it('copies through the last shape seen only what has exactly its keys on a plain prototype; the rest as before', () => {
    // The last shape at a depth is tried first (one check of the hidden class while objects share one);
    // values with the same keys but another prototype, or other keys, must come out as the wire has them.
    class Twin {
      type = 'T';
      n = 1;
    }
    function OldStyle(this: Record<string, unknown>) {
      this.type = 'T';
      this.n = 1;
    }
    OldStyle.prototype = Object.create(Object.prototype); // its instances inherit `constructor === Object`
    const masked = new Twin();
    Object.defineProperty(masked, 'constructor', { value: Object, enumerable: false });
    const prime = () => thrice({ type: 'T', n: 0 });
    const same: [string, unknown][] = [
      ['a null-prototype object', Object.assign(Object.create(null), { type: 'T', n: 1 })],
      ['a proxy of a plain object', new Proxy({ type: 'T', n: 1 }, {})],
      ['the keys in the other order', { n: 1, type: 'T' }],
      ['one key fewer', { type: 'T' }],
      ['one key more', { type: 'T', n: 1, x: 2 }],
      ['an own constructor key', { type: 'T', n: 1, constructor: 'c' }],
    ];
    for (const [name, value] of same) {
      prime();
      const local = copyData(value, 'message');
      expect(local, name).toStrictEqual(decode(encode(value, 'message')));
      expect(Object.keys(local as object), name).toEqual(Object.keys(value as object));
    }
    for (const [name, value] of [['a class instance', new Twin()], ['an instance hiding its constructor', masked], ['an old-style instance', new (OldStyle as unknown as new () => object)()]] as const) {
      prime();
      const err = thrown(() => copyData(value, 'message'));
      expect(err, name).toBeInstanceOf(TypeError);
      expect(err.message, name).toBe(thrown(() => encode(value, 'message')).message);
    }
  });

  it('reads each getter once per copy and copies its value, as the wire does', () => {
    let reads = 0;
    const value = Object.defineProperty({ a: 1 } as Record<string, unknown>, 'b', { get: () => ++reads, enumerable: true });
    expect(thrice(value)).toEqual([{ a: 1, b: 1 }, { a: 1, b: 2 }, { a: 1, b: 3 }]);
    expect(reads).toBe(3);
  });

  it('copies objects used as dictionaries (thousands of different key sets) correctly', () => {
    for (let i = 0; i < 3_000; i++) {
      const value = { [`user-${i}`]: { id: i }, [`user-${i + 1}`]: { id: i + 1 } };
      expect(copyData(value, 'message')).toStrictEqual(value);
    }
  });

  it('copies objects with long keys (never compiled, since shapes are kept for good) correctly', () => {
    const long = 'k'.repeat(100_000);
    for (const value of [{ [long]: 1 }, { a: 1, [`${long}2`]: { b: 2 } }, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${'x'.repeat(60)}${i}`, i]))]) {
      for (const local of thrice(value)) expect(local).toStrictEqual(value);
    }
  });

  it('differs from the generic walk in two documented corner cases: a getter deleting a later key, an accessor on Object.prototype', () => {
    const withDeletingGetter = () => {
      const v: Record<string, unknown> = { getterA: 0, getterB: 2, getterC: 3 };
      Object.defineProperty(v, 'getterA', { get: () => (delete v.getterB, 1), enumerable: true });
      return v;
    };
    const [first, second, third] = [copyData(withDeletingGetter(), 'message'), copyData(withDeletingGetter(), 'message'), copyData(withDeletingGetter(), 'message')];
    expect(first).toStrictEqual({ getterA: 1, getterC: 3 }); // the generic walk, as the wire
    expect(decode(encode(withDeletingGetter(), 'message'))).toStrictEqual(first);
    expect(second).toStrictEqual({ getterA: 1, getterB: undefined, getterC: 3 }); // compiled from the key list seen before any getter ran
    expect(third).toStrictEqual(second);
    let set = 0;
    Object.defineProperty(Object.prototype, 'hnAccessorProbe', { set: () => void set++, get: () => undefined, configurable: true });
    try {
      const copies = [0, 1, 2].map(() => copyData({ hnAccessorProbe: 1, probeOther: 2 }, 'message'));
      expect(Object.keys(copies[0]!)).toEqual(['probeOther']); // the generic walk assigned through the inherited setter
      expect(Object.getOwnPropertyDescriptor(copies[2], 'hnAccessorProbe')?.value).toBe(1); // the literal defines its own
      expect(set).toBe(1);
    } finally {
      delete (Object.prototype as Record<string, unknown>).hnAccessorProbe;
    }
  });

  it('copies objects with more keys than a compiled copier takes', () => {
    const value = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    for (const local of thrice(value)) expect(local).toStrictEqual(value);
  });
});

// ---------------------------------------------------------------- through processes

const clusters = clusterPerTest();
const start = (...modules: ProcessClass[]): Promise<EmbeddedCluster> => clusters.start(modules);

function badMessage(kind: string): unknown {
  switch (kind) {
    case 'function':
      return { type: 'X', payload: { fn: () => 1 } };
    case 'symbol':
      return { type: 'X', payload: { sym: Symbol('nope') } };
    case 'socket':
      return { type: 'X', payload: { req: { socket: new FakeSocket() } } };
    case 'net.Socket':
      return { type: 'X', payload: { req: { socket: new Socket() } } };
    case 'cycle': {
      const payload: any = { name: 'loop' };
      payload.self = payload;
      return { type: 'X', payload };
    }
    case 'error':
      return { type: 'X', payload: { err: new Error('not data') } };
  }
  throw new Error(kind);
}

const badPaths: Record<string, string> = {
  function: 'message.payload.fn',
  symbol: 'message.payload.sym',
  socket: 'message.payload.req.socket',
  'net.Socket': 'message.payload.req.socket',
  cycle: 'message.payload.self',
  error: 'message.payload.err',
};

/** Echoes what it gets to the inbox; on request mutates what it got and tells the sender. */
class Echo extends Process {
  static override moduleName = 'Echo';
  override processWillRun(state: any, { send }: Context) {
    send(state.inbox, { echoReady: true });
  }
  override processDidReceiveMessage(state: any, message: any, from: string, { send }: Context) {
    if (message?.mutate) {
      const got = message.mutate;
      got.list.push('added by receiver');
      got.nested.x = 'changed by receiver';
      got.map.set('k', 'changed by receiver');
      send(from, { mutated: true });
      return;
    }
    send(state.inbox, { echo: message, from });
  }
}

/** Spawns 150 Echo children (so they spread over the workers) and carries out the test's requests. */
class Prober extends Process {
  static override moduleName = 'Prober';
  kept: any = null;

  override processWillRun(state: any, { spawn }: Context) {
    const kids: string[] = [];
    for (let i = 0; i < 150; i++) kids.push(spawn('Echo', { inbox: state.inbox }));
    return { ...state, kids };
  }

  override processDidReceiveMessage(state: any, message: any, _from: string, { send, spawn }: Context) {
    if (message === 'ping') {
      send(state.inbox, 'pong');
    } else if (message.trySend) {
      const { to, kind } = message.trySend;
      const report = (err: unknown) => ({ kind, isTypeError: err instanceof TypeError, message: (err as Error).message });
      let sendError: unknown = null;
      try {
        send(to, badMessage(kind));
      } catch (err) {
        sendError = report(err);
      }
      let spawnError: unknown = null;
      try {
        spawn('Echo', { inbox: state.inbox, bad: badMessage(kind) });
      } catch (err) {
        spawnError = report(err);
      }
      send(state.inbox, { sendError, spawnError });
    } else if (message.relay) {
      send(message.relay.to, message.relay.value);
    } else if (message.receiverMutates) {
      this.kept = { list: ['original'], nested: { x: 'original' }, map: new Map([['k', 'original']]) };
      send(message.receiverMutates, { mutate: this.kept });
    } else if (message.mutated) {
      send(state.inbox, { keptBySender: this.kept });
    } else if (message.senderMutates) {
      const value = { list: ['original'], nested: { x: 'original' }, map: new Map([['k', 'original']]), bytes: new Uint8Array([1]) };
      send(message.senderMutates, value);
      value.list.push('added after send');
      value.nested.x = 'changed after send';
      value.map.set('k', 'changed after send');
      value.bytes[0] = 9;
    }
  }
}

const isEcho = (m: unknown): boolean => m !== null && typeof m === 'object' && 'echo' in m;

async function placed(c: EmbeddedCluster) {
  const inbox = c.inbox();
  const prober = await c.spawn('Prober', { inbox: inbox.name });
  for (let i = 0; i < 150; i++) await inbox.receiveMatching((r) => (r.message as any).echoReady === true);
  const ps = await c.ps();
  const home = ps.find((p) => p.name === prober)!.worker;
  const echoes = ps.filter((p) => p.module === 'Echo');
  const near = echoes.find((p) => p.worker === home)!.name;
  const far = echoes.find((p) => p.worker !== home)!.name;
  expect(near).toBeDefined();
  expect(far).toBeDefined();
  return { inbox, prober, targets: { 'the same worker': near, 'another worker': far } };
}

describe('sending non-data', () => {
  it('throws a TypeError naming the path at the send and spawn call sites, to the same or another worker; the sender catches it and keeps running', async () => {
    const c = await start(Echo, Prober);
    const { inbox, prober, targets } = await placed(c);
    for (const [where, to] of Object.entries(targets)) {
      for (const kind of Object.keys(badPaths)) {
        c.send(prober, { trySend: { to, kind } });
        const { sendError, spawnError } = (await inbox.receiveMatching((r) => (r.message as any).sendError !== undefined)).message as any;
        expect(sendError, `send of ${kind} to ${where}`).toMatchObject({ kind, isTypeError: true });
        expect(sendError.message, `send of ${kind} to ${where}`).toContain(badPaths[kind]);
        expect(spawnError, `spawn with ${kind}`).toMatchObject({ kind, isTypeError: true });
        expect(spawnError.message).toContain(badPaths[kind]!.replace('message', 'initialState.bad'));
      }
      c.send(prober, 'ping');
      expect((await inbox.receiveMatching((r) => r.message === 'pong')).message).toBe('pong');
    }
    // Nothing was delivered for the refused sends: the next echo is the one we ask for.
    c.send(prober, { relay: { to: targets['another worker'], value: 'after the refusals' } });
    expect(((await inbox.receiveMatching((r) => isEcho(r.message))).message as any).echo).toBe('after the refusals');
  });

  it('throws a TypeError from cluster.send and cluster.spawn for non-data, naming the path', async () => {
    const c = await start(Echo);
    const inbox = c.inbox();
    const pid = await c.spawn('Echo', { inbox: inbox.name });
    await inbox.receive();
    for (const [kind, path] of Object.entries(badPaths)) {
      const err = thrown(() => c.send(pid, badMessage(kind)));
      expect(err, kind).toBeInstanceOf(TypeError);
      expect(err.message).toContain(path);
      await expect(c.spawn('Echo', { bad: badMessage(kind) })).rejects.toThrow(TypeError);
    }
  });
});

describe('data through processes', () => {
  it('delivers every supported kind of data intact to the same worker and to another worker', async () => {
    const c = await start(Echo, Prober);
    const { inbox, prober, targets } = await placed(c);
    const values = corpus().filter(([name]) => name !== 'long string');
    const wrong: string[] = [];
    for (const [where, to] of Object.entries(targets)) {
      for (const [name, value, arrives] of values) {
        c.send(prober, { relay: { to, value } });
        const got = (await inbox.receiveMatching((r) => isEcho(r.message))).message as any;
        try {
          // Same shape as the local copy (the codec's own normalisation), and the same content as what was sent.
          expect(got.echo).toStrictEqual(copyData(value, 'message'));
          expect(sameBytes(got.echo)).toEqual(sameBytes(arrives === undefined ? value : arrives));
        } catch (err) {
          wrong.push(`${name} to ${where}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the sender’s object unchanged when the receiver mutates its message (same worker and another worker)', async () => {
    const c = await start(Echo, Prober);
    const { inbox, prober, targets } = await placed(c);
    for (const [where, to] of Object.entries(targets)) {
      c.send(prober, { receiverMutates: to });
      const { keptBySender } = (await inbox.receiveMatching((r) => (r.message as any).keptBySender !== undefined)).message as any;
      expect(keptBySender, where).toEqual({ list: ['original'], nested: { x: 'original' }, map: new Map([['k', 'original']]) });
    }
  });

  it('gives the receiver what was sent even when the sender mutates its object right after send (same worker and another worker)', async () => {
    const c = await start(Echo, Prober);
    const { inbox, prober, targets } = await placed(c);
    for (const [where, to] of Object.entries(targets)) {
      c.send(prober, { senderMutates: to });
      const { echo } = (await inbox.receiveMatching((r) => isEcho(r.message))).message as any;
      expect(sameBytes(echo), where).toEqual({ list: ['original'], nested: { x: 'original' }, map: new Map([['k', 'original']]), bytes: new Uint8Array([1]) });
    }
  });

  it('gives a spawned child its own copy of the initial state', async () => {
    class Keeper extends Process {
      static override moduleName = 'Keeper';
      override processWillRun(state: any, { send }: Context) {
        send(state.inbox, { initial: state.data });
        state.data.list.push('changed by child');
      }
    }
    const c = await start(Keeper);
    const inbox = c.inbox();
    const data = { list: ['original'] };
    const spawned = c.spawn('Keeper', { inbox: inbox.name, data });
    data.list.push('changed by spawner after spawn');
    await spawned;
    expect((await inbox.receive()).message).toEqual({ initial: { list: ['original'] } });
    expect(data.list).toEqual(['original', 'changed by spawner after spawn']);
  });
});
