import { addExtension, Packr } from 'msgpackr';
import { HypernodeError } from './errors';

/**
 * What a message, an initial state or a reply may be made of: the codec's data model.
 *
 * JSON types plus `undefined`, `bigint`, `Date`, `Map`, `Set`, `ArrayBuffer` and typed arrays, nested in
 * plain objects and arrays (a plain object has `Object.prototype` or `null` as its prototype). Anything
 * else (a function, a symbol, a socket, a class instance, a cycle) is refused with a `TypeError` that names
 * the path of the bad value. `-0` arrives as `0`; a string with a lone surrogate arrives with U+FFFD in its place
 * (a property *name* with one is not data: the local path keeps it, the wire replaces it); symbol-keyed properties are left out (as JSON does).
 */
export type Data =
  | null
  | undefined
  | boolean
  | number
  | string
  | bigint
  | Date
  | ArrayBuffer
  | ArrayBufferView
  | Data[]
  | Map<Data, Data>
  | Set<Data>
  | { [key: string]: Data };

const MAX_DEPTH = 200;
const objectProto = Object.prototype;
const arrayProto = Array.prototype;
const dateProto = Date.prototype;
const mapProto = Map.prototype;
const setProto = Set.prototype;
const arrayBufferProto = ArrayBuffer.prototype;
/** Typed arrays the codec carries: the built-in classes and Node's Buffer, not subclasses of them. */
const typedArrayProtos = new Set<object>(
  [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, Buffer].map((c) => c.prototype),
);

/** Wraps a Map on its way to the wire, since msgpackr would otherwise turn it into a plain object. */
class WireMap {
  constructor(readonly entries: [unknown, unknown][]) {}
}
addExtension({
  Class: WireMap,
  type: 0x48, // 'H': hypernode's own extension
  write: (map: WireMap) => map.entries,
  read: (entries: [unknown, unknown][]) => new Map(entries),
});

// copyBuffers: a decoded Buffer must not be a view into the frame, whose memory the transport may reuse.
const packr = new Packr({ useRecords: false, moreTypes: true, int64AsType: 'bigint', mapsAsObjects: true, copyBuffers: true });

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'symbol') return `a symbol (${String(value)})`;
  const proto = Object.getPrototypeOf(value);
  const ctor = proto && typeof proto.constructor === 'function' ? proto.constructor.name : '';
  if (value instanceof Error) return `an Error (${ctor || 'Error'}: ${(value as Error).message})`;
  if (value instanceof Promise) return 'a Promise';
  return ctor ? `an instance of class ${ctor}` : 'an object with a custom prototype';
}

function refuse(path: string, value: unknown, hint?: string): never {
  const fix =
    hint ??
    (value instanceof Error
      ? 'send its name and message as plain data instead (for example { name: err.name, message: err.message })'
      : 'send plain data instead: strings, numbers, booleans, null, bigint, Date, Map, Set, typed arrays, and arrays or plain objects of them');
  throw new TypeError(`${path} is ${describe(value)}, which cannot be sent between processes; ${fix}.`);
}

function keyLabel(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : String(key);
}

/** Thrown by the fast walks at the first non-data value; the slow walk then finds and names it. */
const NOT_DATA = Symbol('not data');

/**
 * Returns a private copy of `value` exactly as the codec would deliver it, or throws a `TypeError` that
 * names the path (starting with `what`) of the first value that is not data. This is the local fast path:
 * a message between two processes of one worker is copied, never shared, and obeys the same rules as one
 * that crosses the wire.
 */
export function copyData<T>(value: T, what: string): T {
  switch (typeof value) {
    case 'string':
      return ((value as string).isWellFormed() ? value : (value as string).toWellFormed()) as T;
    case 'boolean':
    case 'undefined':
      return value;
  }
  try {
    return copy(value, 0) as T;
  } catch (err) {
    if (err === NOT_DATA) explain(value, what);
    throw err;
  }
}

function copy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return value.isWellFormed() ? value : value.toWellFormed();
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return value;
    case 'number':
      return value === 0 ? 0 : value; // -0 arrives as 0, as msgpack carries it
    case 'object':
      break;
    default:
      throw NOT_DATA;
  }
  if (value === null) return null;
  if (depth > MAX_DEPTH) throw NOT_DATA;
  // Most objects have the shape the last one at this depth had: its compiled copier checks that and copies.
  const last = recent[depth < MRU_DEPTHS ? depth : MRU_DEPTHS - 1]!;
  if (last !== null) {
    const out = last.fast(value, copyValue, depth + 1, objectProto, Object, getPrototypeOf, MISS);
    if (out !== MISS) return out;
  }
  const proto = getPrototypeOf(value);
  if (proto === objectProto || proto === null) {
    // A plain object of a shape seen before is copied by a function compiled for its keys (see below).
    const shape = shapeOf(value, depth);
    if (shape !== null) return shape.copy(value, copyValue, depth + 1);
    // for-in sees string keys only, so symbol-keyed properties are left out, as on the wire.
    const out: Record<string, unknown> = {};
    for (const key in value) {
      if (key === '__proto__') throw NOT_DATA;
      const v = (value as Record<string, unknown>)[key];
      switch (typeof v) {
        case 'string':
          out[key] = v.isWellFormed() ? v : v.toWellFormed();
          break;
        case 'object':
          out[key] = v === null ? null : copy(v, depth + 1);
          break;
        case 'number':
          out[key] = v === 0 ? 0 : v;
          break;
        case 'function':
        case 'symbol':
          throw NOT_DATA;
        default:
          out[key] = v;
      }
    }
    return out;
  }
  if (proto === arrayProto) {
    const src = value as unknown[];
    const n = src.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = copy(src[i], depth + 1);
    return out;
  }
  if (proto === dateProto) return new Date((value as Date).getTime());
  if (proto === mapProto) {
    const out = new Map();
    for (const [k, v] of value as Map<unknown, unknown>) out.set(copy(k, depth + 1), copy(v, depth + 1));
    return out;
  }
  if (proto === setProto) {
    const out = new Set();
    for (const v of value as Set<unknown>) out.add(copy(v, depth + 1));
    return out;
  }
  if (typedArrayProtos.has(proto)) {
    return Buffer.isBuffer(value) ? Buffer.from(value) : (value as unknown as { slice(): unknown }).slice();
  }
  if (proto === arrayBufferProto) return (value as ArrayBuffer).slice(0);
  throw NOT_DATA;
}

/** Copies one property value of a plain object (the per-shape copiers call it for each key). */
function copyValue(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
      return v.isWellFormed() ? v : v.toWellFormed();
    case 'number':
      return v === 0 ? 0 : v;
    case 'object':
      return v === null ? null : copy(v, depth);
    case 'function':
    case 'symbol':
      throw NOT_DATA;
    default:
      return v;
  }
}

/*
 * Per-shape copiers. Most messages are plain objects of a few recurring shapes ({ type, payload }, ...).
 * For such a shape, a function made of one object literal (`{ "type": c(v["type"], d), ... }`) copies it:
 * the copy gets the exact size of its keys and its own allocation site, which V8 can pretenure when copies
 * live long (a full mailbox), where adding keys to `{}` one by one gives a larger object that never is.
 * A shape is compiled when its key list has been seen twice; the last shape seen at each depth is checked
 * first, by comparing keys while for-in walks them. Objects with many or long keys, and shapes beyond the
 * first MAX_SHAPES of this Node process (objects used as dictionaries), take the generic walk.
 *
 * Two divergences from the generic walk, both needing unusual code: a getter that deletes a later key of
 * its own object (the compiled copy still has that key, as `undefined`), and an accessor property defined
 * on Object.prototype (the compiled copy gets an own property where the generic walk would call the
 * inherited setter). See docs/design/009-local-message-path.md.
 */
interface Shape {
  readonly keys: string[];
  readonly copy: (v: unknown, c: typeof copyValue, d: number) => unknown;
  /**
   * The same copy for any value: returns `m` unless the value is a plain object (its constructor `Object`
   * and its prototype `Object.prototype`) with exactly these keys in this order. V8 folds both checks into one
   * check of the object's hidden class while the objects seen there have one.
   */
  readonly fast: (v: unknown, c: typeof copyValue, d: number, p: object, o: unknown, g: typeof getPrototypeOf, m: symbol) => unknown;
}
const getPrototypeOf = Object.getPrototypeOf;
/** What a shape's `fast` copier returns for a value that does not have its shape. */
const MISS = Symbol('miss');
const MAX_SHAPE_KEYS = 32;
/** Longer keys, or more characters of keys in all, are not compiled: each shape is kept for good. */
const MAX_KEY_CHARS = 64;
const MAX_SHAPE_CHARS = 1024;
const MAX_SHAPES = 512;
const MRU_DEPTHS = 8;
const NO_KEYS: string[] = [];
const recent: (Shape | null)[] = new Array<Shape | null>(MRU_DEPTHS).fill(null);
const shapes = new Map<string, Shape>();
const sightings = new Map<string, number>();
let compiling = true; // false once code generation proved impossible (e.g. --disallow-code-generation-from-strings)

function shapeOf(value: object, depth: number): Shape | null {
  if (!compiling) return null;
  const slot = depth < MRU_DEPTHS ? depth : MRU_DEPTHS - 1;
  const last = recent[slot]!;
  const known = last === null ? NO_KEYS : last.keys;
  // One for-in: keys are compared with the last shape's; from the first difference on, they are collected.
  let n = 0;
  let keys: string[] | null = null;
  let chars = 0;
  for (const key in value) {
    if (keys === null) {
      if (known[n] === key) {
        n++;
        continue;
      }
      keys = known.slice(0, n);
      for (const k of keys) chars += k.length;
    }
    chars += key.length;
    if (keys.length === MAX_SHAPE_KEYS || key.length > MAX_KEY_CHARS || chars > MAX_SHAPE_CHARS || key === '__proto__') return null;
    keys.push(key);
  }
  if (keys === null) {
    if (n === known.length && last !== null) return last;
    keys = known.slice(0, n);
  }
  const id = keys.join('\u0000');
  let shape = shapes.get(id);
  if (shape === undefined) {
    if (shapes.size >= MAX_SHAPES) return null;
    const seen = (sightings.get(id) ?? 0) + 1;
    if (seen < 2) {
      if (sightings.size >= 4 * MAX_SHAPES) sightings.clear();
      sightings.set(id, seen);
      return null;
    }
    sightings.delete(id);
    const body = keys.map((k) => { const q = JSON.stringify(k); return `${q}: c(v[${q}], d)`; }).join(', ');
    const cases = keys.map((k, i) => `case ${i}: if (k !== ${JSON.stringify(k)}) return m; break;`).join(' ');
    const fast =
      `if (v.constructor !== o || g(v) !== p) return m; let i = 0; ` +
      `for (const k in v) { switch (i++) { ${cases} default: return m; } } ` +
      `if (i !== ${keys.length}) return m; return { ${body} };`;
    try {
      shape = {
        keys,
        copy: new Function('v', 'c', 'd', `return { ${body} };`) as Shape['copy'],
        fast: new Function('v', 'c', 'd', 'p', 'o', 'g', 'm', fast) as Shape['fast'],
      };
    } catch {
      compiling = false;
      return null;
    }
    shapes.set(id, shape);
  }
  recent[slot] = shape;
  return shape;
}

/**
 * Checks that `value` is data (see {@link Data}) without copying it, and throws the same `TypeError` as
 * {@link copyData} otherwise. Returns true when the value holds a `Map` (the encoder then wraps them).
 */
export function checkData(value: unknown, what: string): boolean {
  try {
    return check(value, 0);
  } catch (err) {
    if (err === NOT_DATA) explain(value, what);
    throw err;
  }
}

function check(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
    case 'bigint':
    case 'number':
      return false;
    case 'object':
      break;
    default:
      throw NOT_DATA;
  }
  if (value === null) return false;
  if (depth > MAX_DEPTH) throw NOT_DATA;
  const proto = Object.getPrototypeOf(value);
  let maps = false;
  if (proto === objectProto || proto === null) {
    for (const key in value) {
      if (key === '__proto__') throw NOT_DATA;
      if (check((value as Record<string, unknown>)[key], depth + 1)) maps = true;
    }
    return maps;
  }
  if (proto === arrayProto) {
    const src = value as unknown[];
    for (let i = 0; i < src.length; i++) if (check(src[i], depth + 1)) maps = true;
    return maps;
  }
  if (proto === dateProto || proto === arrayBufferProto || typedArrayProtos.has(proto)) return false;
  if (proto === mapProto) {
    for (const [k, v] of value as Map<unknown, unknown>) {
      check(k, depth + 1);
      check(v, depth + 1);
    }
    return true;
  }
  if (proto === setProto) {
    for (const v of value as Set<unknown>) if (check(v, depth + 1)) maps = true;
    return maps;
  }
  throw NOT_DATA;
}

/** The slow walk: finds the first non-data value (or cycle) below `root` and throws a TypeError naming it. */
function explain(root: unknown, what: string): never {
  const ancestors: unknown[] = [];
  const paths: string[] = [];
  const visit = (value: unknown, path: string): void => {
    const t = typeof value;
    if (t === 'function' || t === 'symbol') refuse(path, value);
    if (t !== 'object' || value === null) return;
    const seen = ancestors.indexOf(value);
    if (seen >= 0) {
      throw new TypeError(
        `${path} refers back to ${paths[seen]} (a cycle), which cannot be sent between processes; send an acyclic copy instead.`,
      );
    }
    if (ancestors.length > MAX_DEPTH) {
      throw new TypeError(`${path} is nested more than ${MAX_DEPTH} levels deep; send a flatter value instead.`);
    }
    ancestors.push(value);
    paths.push(path);
    const proto = Object.getPrototypeOf(value);
    if (proto === objectProto || proto === null) {
      for (const key in value) {
        if (key === '__proto__') refuse(`${path}.__proto__`, value, 'rename the key');
        visit((value as Record<string, unknown>)[key], `${path}.${key}`);
      }
    } else if (proto === arrayProto) {
      (value as unknown[]).forEach((item, i) => visit(item, `${path}[${i}]`));
    } else if (proto === mapProto) {
      for (const [k, v] of value as Map<unknown, unknown>) {
        const label = `${path}[map key ${keyLabel(k)}]`;
        visit(k, label);
        visit(v, label);
      }
    } else if (proto === setProto) {
      let i = 0;
      for (const v of value as Set<unknown>) visit(v, `${path}[set item ${i++}]`);
    } else if (!(proto === dateProto || proto === arrayBufferProto || typedArrayProtos.has(proto))) {
      refuse(path, value);
    }
    ancestors.pop();
    paths.pop();
  };
  visit(root, what);
  throw new TypeError(`${what} cannot be sent between processes; send plain data instead.`);
}

function wrapMaps(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Map) return new WireMap([...value].map(([k, v]) => [wrapMaps(k), wrapMaps(v)]));
  if (value instanceof Set) return new Set([...value].map(wrapMaps));
  const proto = Object.getPrototypeOf(value);
  if (proto === arrayProto) return (value as unknown[]).map(wrapMaps);
  if (proto === objectProto || proto === null) {
    const out: Record<string, unknown> = {};
    for (const key in value) out[key] = wrapMaps((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/**
 * Encodes data to bytes after checking it (throws the `TypeError` of {@link copyData} for non-data).
 * `what` names the value in that error, e.g. `message`.
 */
export function encode(value: unknown, what = 'value'): Uint8Array {
  return packr.pack(checkData(value, what) ? wrapMaps(value) : value);
}

/** Encodes a value already known to be data (internal envelopes whose parts were checked). */
export function encodeTrusted(value: unknown, hasMaps = false): Uint8Array {
  return packr.pack(hasMaps ? wrapMaps(value) : value);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes bytes produced by {@link encode}; throws a `DECODE_FAILED` HypernodeError on garbage. */
export function decode(bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = packr.unpack(asBuffer(bytes));
    checkData(value, 'decoded value');
  } catch (err) {
    throw new HypernodeError('DECODE_FAILED', `Cannot decode ${bytes.byteLength} bytes as hypernode data (${(err as Error).message}); the bytes were not made by encode().`, { cause: err });
  }
  return value;
}

/**
 * Decodes bytes made by {@link encodeTrusted} (or an array assembled with {@link assembleArray}) without checking
 * the result against the data model (internal frames, whose parts are checked where they are used); throws on
 * garbage.
 */
export function decodeTrusted(bytes: Uint8Array): unknown {
  return packr.unpack(asBuffer(bytes));
}

/**
 * The encoding of an array whose first item's encoding is `head` and whose other items' encodings are
 * `items`, in one allocation: the msgpack array header for their count, then `head` and `items` copied one
 * after the other. Frames are made so from their header and the envelopes encoded at `send` time.
 */
export function assembleArray(head: Uint8Array, items: readonly Uint8Array[]): Buffer {
  const length = items.length + 1;
  let size = head.byteLength;
  for (let i = 0; i < items.length; i++) size += items[i]!.byteLength;
  let at = length < 16 ? 1 : length < 0x10000 ? 3 : 5;
  const out = Buffer.allocUnsafe(at + size);
  if (length < 16) out[0] = 0x90 | length;
  else if (length < 0x10000) {
    out[0] = 0xdc;
    out.writeUInt16BE(length, 1);
  } else {
    out[0] = 0xdd;
    out.writeUInt32BE(length, 1);
  }
  out.set(head, at);
  at += head.byteLength;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    out.set(item, at);
    at += item.byteLength;
  }
  return out;
}

/** Decodes a concatenation of encoded values (a frame of envelopes); throws on garbage. */
export function decodeMany(bytes: Uint8Array): unknown[] {
  return packr.unpackMultiple(asBuffer(bytes)) as unknown[];
}
