import { addExtension, Packr } from 'msgpackr';

/**
 * What a message, an initial state or a reply may be made of: the codec's data model.
 *
 * JSON types plus `undefined`, `bigint`, `Date`, `Map`, `Set`, `ArrayBuffer` and typed arrays, nested in
 * plain objects and arrays (a plain object has `Object.prototype` or `null` as its prototype). Anything
 * else (a function, a symbol, a socket, a class instance, a cycle) is refused with a `TypeError` that names
 * the path of the bad value. `-0` arrives as `0`; symbol-keyed properties are left out (as JSON does).
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

const packr = new Packr({ useRecords: false, moreTypes: true, int64AsType: 'bigint', mapsAsObjects: true });

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
  const proto = Object.getPrototypeOf(value);
  if (proto === objectProto) {
    // Spread is V8's fastest shallow copy; nested values are then copied in place.
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const key in out) {
      const v = out[key];
      const t = typeof v;
      if (t === 'object') {
        if (v !== null) out[key] = copy(v, depth + 1);
      } else if (t === 'number') {
        if (v === 0) out[key] = 0;
      } else if (t === 'function' || t === 'symbol' || key === '__proto__') {
        throw NOT_DATA;
      }
    }
    return out;
  }
  if (proto === null) {
    const out: Record<string, unknown> = {};
    for (const key in value) {
      if (key === '__proto__') throw NOT_DATA;
      out[key] = copy((value as Record<string, unknown>)[key], depth + 1);
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
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Map) {
    const out = new Map();
    for (const [k, v] of value) out.set(copy(k, depth + 1), copy(v, depth + 1));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    for (const v of value) out.add(copy(v, depth + 1));
    return out;
  }
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return (value as unknown as { slice(): unknown }).slice();
  }
  if (value instanceof ArrayBuffer) return value.slice(0);
  throw NOT_DATA;
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
  if (value instanceof Date || value instanceof ArrayBuffer) return false;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return false;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      check(k, depth + 1);
      check(v, depth + 1);
    }
    return true;
  }
  if (value instanceof Set) {
    for (const v of value) if (check(v, depth + 1)) maps = true;
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
    } else if (value instanceof Map) {
      for (const [k, v] of value) {
        const label = `${path}[map key ${keyLabel(k)}]`;
        visit(k, label);
        visit(v, label);
      }
    } else if (value instanceof Set) {
      let i = 0;
      for (const v of value) visit(v, `${path}[set item ${i++}]`);
    } else if (!(value instanceof Date || value instanceof ArrayBuffer || (ArrayBuffer.isView(value) && !(value instanceof DataView)))) {
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

/** Decodes bytes produced by {@link encode}; throws on garbage. */
export function decode(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

/** Decodes a concatenation of encoded values (a frame of envelopes). */
export function decodeMany(bytes: Uint8Array): unknown[] {
  return packr.unpackMultiple(bytes) as unknown[];
}
