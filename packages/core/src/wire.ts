/**
 * The wire protocol between workers: envelope kinds (what one worker asks of another), cluster event kinds
 * (what a worker tells all), the frame layout, and the format of the names and refs a worker makes.
 *
 * A frame is one msgpack array: a header `['hn2', worker]`, then envelopes, each an array whose first element
 * is its kind. A cluster event is one msgpack array whose first element is its kind.
 *
 * Names (all start with the id of the worker that hosts the process, then ':'):
 * - a process spawned on its own worker: `w1:5f` (the sequence number in base 36);
 * - a process placed on `w2` by `w1`: `w2:w1.5f`;
 * - an outside inbox: `w1:$5f` (base 36 never makes '$', so an inbox never shares a process's name);
 * - refs made by a process: monitors `w1:5f#m6`, timers `w1:5f#t7`, call tokens `w1:5f#c8`.
 */
import { assembleArray, decodeMany, decodeTrusted, encodeTrusted } from './codec';

// Envelope kinds (the first element of each envelope in a frame).
export const E_MSG = 0;
export const E_SPAWN = 1;
export const E_EXITED = 2;
export const E_KILL = 3;
export const E_MONITOR = 4;
export const E_DEMONITOR = 5;
export const E_DOWN = 6;
export const E_LINK = 7;
export const E_UNLINK = 8;
export const E_LINK_EXIT = 9;
export const E_REPLY = 10;
export const E_EXIT_REQ = 11;
// Relocation (relocation.ts, design 031): a host asks the process's home to move it; the home tells the host to
// send it, and the target to expect it; the host sends its snapshot; the target acknowledges to the host.
export const E_MOVE_ASK = 12;
export const E_MOVE_OUT = 13;
export const E_MOVE_EXPECT = 14;
export const E_MOVE_IN = 15;
export const E_MOVE_DONE = 16;

/** The first element of a frame's header; frames with another are refused. */
export const FRAME_MAGIC = 'hn2';

// Cluster event kinds (published to every worker).
export const EV_NAME = 'name';
export const EV_UNNAME = 'unname';
export const EV_MODULE = 'module';
export const EV_WORKER_LOST = 'worker-lost';
export const EV_REGISTRY_RESTORED = 'registry-restored';
/** `[EV_LOCATED, process, worker | null]`: a process now runs on `worker` (away from its home), or no longer does. */
export const EV_LOCATED = 'located';

/** The encoded header of the frames `worker` sends. */
export function frameHeader(worker: string): Uint8Array {
  return encodeTrusted([FRAME_MAGIC, worker]);
}

/** One frame: `header` (from {@link frameHeader}) then the envelopes, each already encoded. */
export function encodeFrame(header: Uint8Array, envelopes: Uint8Array[]): Uint8Array {
  return assembleArray(header, envelopes);
}

/**
 * The items of a frame: its header at index 0, then its envelopes. Throws when `frame` is not msgpack or has
 * no hypernode header; the envelopes themselves are not checked.
 */
export function decodeFrame(frame: Uint8Array): unknown[] {
  const items = decodeTrusted(frame) as unknown[];
  if (!Array.isArray(items)) throw new Error('not a hypernode frame');
  const head = items[0];
  if (!Array.isArray(head) || head[0] !== FRAME_MAGIC) throw new Error('no hypernode frame header');
  return items;
}

/** Whether `frame` is laid out as hypernode before frame layout `hn2` did it: a header `['hn1', worker]` then envelopes. */
export function isOlderFrame(frame: Uint8Array): boolean {
  try {
    const head = decodeMany(frame)[0];
    return Array.isArray(head) && head[0] === 'hn1';
  } catch {
    return false;
  }
}

/** A cluster event as published: an array whose first element is its kind. Throws when `frame` is not one. */
export function decodeEvent(frame: Uint8Array): unknown[] {
  const ev = decodeMany(frame)[0] as unknown[];
  if (!Array.isArray(ev) || typeof ev[0] !== 'string') throw new Error('not a hypernode cluster event');
  return ev;
}

/** A cluster event encoded for `Transport.publish`. */
export function encodeEvent(event: unknown[]): Uint8Array {
  return encodeTrusted(event);
}

/**
 * The event that tells every worker of a cluster that `worker` is gone, `why` saying how (it died, it was
 * stopped, it stopped answering), ready for `Transport.publish`. Each worker then treats every process of it as
 * crashed (see `WorkerRuntime.workerLost`). Publishing it does not stop the worker.
 */
export function workerLostEvent(worker: string, why: string): Uint8Array {
  return encodeEvent([EV_WORKER_LOST, worker, why]);
}

/** The worker hosting the process (or inbox) `name`, or '' for a registered name. */
export function workerOf(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? '' : name.slice(0, colon);
}

/** The worker that spawned a remotely placed process (`w2:w1.5f` → `w1`), or '' for a local name. */
export function spawnerOf(name: string): string {
  const colon = name.indexOf(':');
  const dot = name.lastIndexOf('.');
  return dot > colon ? name.slice(colon + 1, dot) : '';
}

/** The spawner's sequence number of a remotely placed process (`w2:w1.5f` → 0x5f in base 36), or -1 for a local name. */
export function spawnSeqOf(name: string): number {
  const colon = name.indexOf(':');
  const dot = name.lastIndexOf('.');
  return dot > colon ? parseInt(name.slice(dot + 1), 36) : -1;
}

/** The name of the `seq`th process that worker `spawner` spawns, placed on worker `target`. */
export function processName(target: string, spawner: string, seq: number): string {
  const n = seq.toString(36);
  return target === spawner ? `${target}:${n}` : `${target}:${spawner}.${n}`;
}

/** The name of an outside inbox on `worker`: never the name of a process, whatever `seq`. */
export function inboxName(worker: string, seq: number): string {
  return `${worker}:$${seq.toString(36)}`;
}

/** A monitor ref made by process `owner`. */
export function monitorRef(owner: string, seq: number): string {
  return `${owner}#m${seq.toString(36)}`;
}

/** A timer ref made by process `owner`. */
export function timerRef(owner: string, seq: number): string {
  return `${owner}#t${seq.toString(36)}`;
}

/** The part of a call token that names the call on its caller's worker (`E_REPLY` carries it). */
export function callRef(seq: number): string {
  return `c${seq.toString(36)}`;
}

/** The token of call `ref` made by `caller`: what `callToken()` returns and `replyTo()` takes. */
export function callToken(caller: string, ref: string): string {
  return `${caller}#${ref}`;
}
