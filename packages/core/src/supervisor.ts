import type { Context } from './context';
import { HypernodeError } from './errors';
import { describeReason, isCrash } from './exit-reason';
import { Process, type ExitReason } from './process';

/** How a supervisor reacts when one child must be restarted (OTP's restart strategies). */
export type RestartStrategy = 'oneForOne' | 'oneForAll' | 'restForOne';

/**
 * When a child is restarted after it ends: `permanent` always, `transient` only after a crash (a reason
 * other than `'normal'` or `'shutdown'`), `temporary` never (and its spec is then forgotten).
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** One child of a {@link SupervisorSpec}. */
export interface ChildSpec {
  /** Unique among the supervisor's children; requests name children by it. */
  id: string;
  /** The module to spawn (a loaded module's name). */
  module: string;
  /** The initial state of every instance of this child; each restart starts from it again. */
  state?: unknown;
  /** Default `'permanent'`. */
  restart?: RestartType;
}

/** The initial state of a `Supervisor` process. */
export interface SupervisorSpec {
  /** Default `'oneForOne'`. */
  strategy?: RestartStrategy;
  /** The most restarts allowed within `periodMs` (default 3); one more and the supervisor gives up. */
  intensity?: number;
  /** The sliding window of `intensity`, in milliseconds of the cluster clock (default 5000). */
  periodMs?: number;
  /** Started in this order, stopped in the reverse order. */
  children: ChildSpec[];
}

/** A child as `WHICH_CHILDREN` lists it; `name` is `null` while it is not running. */
export interface ChildInfo {
  id: string;
  name: string | null;
  module: string;
  restart: RestartType;
}

/** The requests a supervisor answers (send them with `call`). */
export type SupervisorRequest =
  | { type: 'WHICH_CHILDREN' }
  | { type: 'RESTART_CHILD'; id: string }
  | { type: 'TERMINATE_CHILD'; id: string };

/**
 * The reply to `RESTART_CHILD` and `TERMINATE_CHILD` (and to a call the supervisor does not know):
 * `{ ok: true }` with the new process's `name` for a restart, or `{ ok: false }` with OTP's error atom
 * and a sentence saying what to do.
 */
export type SupervisorReply =
  | { ok: true; name?: string }
  | { ok: false; error: 'not_found' | 'running' | 'shutting_down' | 'unknown_request'; message: string };

interface Child {
  id: string;
  module: string;
  state?: unknown;
  restart: RestartType;
  /** The running instance; `null` while the child is not running. */
  name: string | null;
}

/** What to do once the children being stopped have all ended. */
type Then =
  | { kind: 'start'; ids: string[] }
  | { kind: 'reply'; token: string | null; value: SupervisorReply }
  | { kind: 'exit'; reason: ExitReason };

interface Held {
  from: string;
  message: unknown;
  token: string | null;
}

/** A running supervisor's state (data only, so the process can be relocated). Internal. */
export interface SupervisorState {
  strategy: RestartStrategy;
  intensity: number;
  periodMs: number;
  children: Child[];
  /** Times of the restarts within the last `periodMs`. */
  restarts: number[];
  /** Children being stopped, in stop order; the first one has been told to end. */
  stopping: string[];
  then: Then | null;
  /** Messages that arrived while children were being stopped, handled once they are gone (OTP's selective receive). */
  held: Held[];
}

const STRATEGIES: readonly RestartStrategy[] = ['oneForOne', 'oneForAll', 'restForOne'];
const RESTARTS: readonly RestartType[] = ['permanent', 'transient', 'temporary'];

/**
 * The built-in `Supervisor` module, as in OTP: it starts its children in order, restarts them when they end
 * according to its strategy and their restart type, and gives up when they fail too often.
 *
 * Spawn it with a {@link SupervisorSpec} as its initial state (`ctx.spawn('Supervisor', spec)` or
 * `cluster.spawn('Supervisor', spec)`). Strategies: `oneForOne` restarts only the child that ended;
 * `oneForAll` stops the other running children (in reverse start order, each ended before the next) and then
 * starts them all again in order; `restForOne` does so for the children started after the one that ended.
 * Children it stops on purpose do not count as failures. More than `intensity` restarts within `periodMs`
 * (cluster clock) makes it stop every child, in reverse order, and exit with
 * `{ name: 'SupervisorError', message }` so its own parent (perhaps a supervisor) learns.
 *
 * Calls: `{ type: 'WHICH_CHILDREN' }` replies with a {@link ChildInfo} per child in start order;
 * `{ type: 'RESTART_CHILD', id }` starts a child that is not running; `{ type: 'TERMINATE_CHILD', id }` stops
 * one and keeps it stopped until `RESTART_CHILD`. Both reply with a {@link SupervisorReply}.
 *
 * An invalid spec ends the supervisor at once with an `INVALID_OPTIONS` HypernodeError naming the field.
 *
 * Not promised: "started in order" means spawned in order; a child's `processWillRun` is not awaited before
 * the next child is spawned, so children on different workers may initialise in any order. When the
 * supervisor itself is ended by its parent, the runtime ends its children (in reverse order, without waiting
 * for each).
 */
export class Supervisor extends Process<SupervisorState> {
  static override moduleName = 'Supervisor';

  override processWillRun(spec: SupervisorSpec, ctx: Context<SupervisorState>): SupervisorState | void {
    const state = validate(spec, ctx.getProcessName());
    if (state instanceof HypernodeError) {
      ctx.exit(state);
      return;
    }
    start(state, state.children.map((c) => c.id), ctx);
    return state;
  }

  override processDidReceiveMessage(s: SupervisorState, message: unknown, from: string, ctx: Context<SupervisorState>): SupervisorState {
    if (isChildExit(message) && s.stopping.includes(from)) {
      stopped(s, from, ctx);
      advance(s, ctx);
      return s;
    }
    const token = ctx.callToken() ?? null;
    if (s.stopping.length > 0) {
      if (requestType(message) === 'WHICH_CHILDREN') respond(ctx, token, whichChildren(s));
      else s.held.push({ from, message, token });
      return s;
    }
    dispatch(s, { from, message, token }, ctx);
    advance(s, ctx);
    return s;
  }
}

function dispatch(s: SupervisorState, { from, message, token }: Held, ctx: Context<SupervisorState>): void {
  if (isChildExit(message)) return childExited(s, from, message.payload.err, ctx);
  switch (requestType(message)) {
    case 'WHICH_CHILDREN':
      return respond(ctx, token, whichChildren(s));
    case 'RESTART_CHILD':
      return respond(ctx, token, restartChild(s, (message as { id?: unknown }).id, ctx));
    case 'TERMINATE_CHILD':
      return terminateChild(s, (message as { id?: unknown }).id, token, ctx);
    default:
      if (token !== null) {
        respond(ctx, token, {
          ok: false,
          error: 'unknown_request',
          message: `Supervisor '${ctx.getProcessName()}' does not know the request ${describeRequest(message)}; send { type: 'WHICH_CHILDREN' }, { type: 'RESTART_CHILD', id } or { type: 'TERMINATE_CHILD', id }.`,
        });
      }
  }
}

/** A child ended on its own (not stopped by the supervisor): restart what its restart type and the strategy say. */
function childExited(s: SupervisorState, name: string, reason: ExitReason, ctx: Context<SupervisorState>): void {
  const i = s.children.findIndex((c) => c.name === name);
  if (i < 0) return; // an instance the supervisor already replaced, or a message that only looks like an exit
  const child = s.children[i]!;
  child.name = null;
  const restart = child.restart === 'permanent' || (child.restart === 'transient' && isCrash(reason));
  if (!restart) {
    if (child.restart === 'temporary') s.children.splice(i, 1);
    return;
  }
  const now = ctx.now();
  s.restarts = s.restarts.filter((t) => t > now - s.periodMs);
  s.restarts.push(now);
  if (s.restarts.length > s.intensity) {
    const error = {
      name: 'SupervisorError',
      message: `Supervisor '${ctx.getProcessName()}' reached its restart intensity (${s.intensity} restarts in ${s.periodMs} ms); its last child exit was: ${describeReason(reason)}`,
    };
    return stop(s, running(s.children), { kind: 'exit', reason: error }, ctx);
  }
  if (s.strategy === 'oneForOne') return start(s, [child.id], ctx);
  const group = s.strategy === 'oneForAll' ? s.children : s.children.slice(i);
  const ids = group.filter((c) => c === child || (c.name !== null && c.restart !== 'temporary')).map((c) => c.id);
  stop(s, running(group), { kind: 'start', ids }, ctx);
}

function restartChild(s: SupervisorState, id: unknown, ctx: Context<SupervisorState>): SupervisorReply {
  const child = s.children.find((c) => c.id === id);
  if (!child) return notFound(s, id, ctx);
  if (child.name !== null) {
    return {
      ok: false,
      error: 'running',
      message: `Child '${child.id}' of supervisor '${ctx.getProcessName()}' is already running as '${child.name}'; terminate it first with { type: 'TERMINATE_CHILD', id: '${child.id}' }.`,
    };
  }
  start(s, [child.id], ctx);
  return { ok: true, name: child.name! };
}

function terminateChild(s: SupervisorState, id: unknown, token: string | null, ctx: Context<SupervisorState>): void {
  const i = s.children.findIndex((c) => c.id === id);
  if (i < 0) return respond(ctx, token, notFound(s, id, ctx));
  const child = s.children[i]!;
  if (child.name === null) {
    if (child.restart === 'temporary') s.children.splice(i, 1);
    return respond(ctx, token, { ok: true });
  }
  stop(s, [child.name], { kind: 'reply', token, value: { ok: true } }, ctx);
}

/** Spawns, in spec order, the children among `ids` that are not running. */
function start(s: SupervisorState, ids: string[], ctx: Context<SupervisorState>): void {
  for (const child of s.children) {
    if (child.name === null && ids.includes(child.id)) child.name = ctx.spawn(child.module, child.state);
  }
}

/**
 * Stops `names` (given in start order) one at a time in reverse order, each ended before the next is told,
 * then does `then`. An exit of one of them already held is taken as its end (it had ended by itself).
 */
function stop(s: SupervisorState, names: string[], then: Then, ctx: Context<SupervisorState>): void {
  const queue: string[] = [];
  for (const name of [...names].reverse()) {
    const held = s.held.findIndex((h) => h.from === name && isChildExit(h.message));
    if (held >= 0) {
      s.held.splice(held, 1);
      forget(s, name);
    } else {
      queue.push(name);
    }
  }
  s.stopping = queue;
  s.then = then;
  if (queue.length > 0) ctx.kill(queue[0]!, 'shutdown');
}

/** A child being stopped has ended (told to, or by itself before its turn). */
function stopped(s: SupervisorState, name: string, ctx: Context<SupervisorState>): void {
  const wasFirst = s.stopping[0] === name;
  s.stopping = s.stopping.filter((n) => n !== name);
  forget(s, name);
  if (wasFirst && s.stopping.length > 0) ctx.kill(s.stopping[0]!, 'shutdown');
}

function forget(s: SupervisorState, name: string): void {
  const i = s.children.findIndex((c) => c.name === name);
  if (i < 0) return;
  if (s.children[i]!.restart === 'temporary') s.children.splice(i, 1);
  else s.children[i]!.name = null;
}

/** Runs what waited for the stopped children, then the held messages, until it must wait again. */
function advance(s: SupervisorState, ctx: Context<SupervisorState>): void {
  for (;;) {
    if (s.stopping.length > 0) return;
    const then = s.then;
    if (then) {
      s.then = null;
      if (then.kind === 'start') start(s, then.ids, ctx);
      else if (then.kind === 'reply') respond(ctx, then.token, then.value);
      else {
        for (const h of s.held.splice(0)) {
          respond(ctx, h.token, {
            ok: false,
            error: 'shutting_down',
            message: `Supervisor '${ctx.getProcessName()}' is shutting down after reaching its restart intensity; ask its parent for the new supervisor.`,
          });
        }
        ctx.exit(then.reason);
        return;
      }
      continue;
    }
    const next = s.held.shift();
    if (!next) return;
    dispatch(s, next, ctx);
  }
}

function running(children: Child[]): string[] {
  const out: string[] = [];
  for (const c of children) if (c.name !== null) out.push(c.name);
  return out;
}

function whichChildren(s: SupervisorState): ChildInfo[] {
  return s.children.map(({ id, name, module, restart }) => ({ id, name, module, restart }));
}

function notFound(s: SupervisorState, id: unknown, ctx: Context<SupervisorState>): SupervisorReply {
  return {
    ok: false,
    error: 'not_found',
    message: `Supervisor '${ctx.getProcessName()}' has no child with id ${describeValue(id)}; its children are: ${s.children.map((c) => `'${c.id}'`).join(', ') || '(none)'}.`,
  };
}

function respond(ctx: Context<SupervisorState>, token: string | null, value: unknown): void {
  if (token !== null) ctx.replyTo(token, value);
}

function isChildExit(message: unknown): message is { type: 'CHILD_PROCESS_EXIT'; payload: { err: ExitReason } } {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'CHILD_PROCESS_EXIT' &&
    typeof (message as { payload?: unknown }).payload === 'object' &&
    (message as { payload?: unknown }).payload !== null
  );
}

function requestType(message: unknown): unknown {
  return typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
}

function describeRequest(message: unknown): string {
  const type = requestType(message);
  return typeof type === 'string' ? `'${type}'` : describeValue(message);
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

const EXAMPLE = `{ strategy: 'oneForOne', children: [{ id: 'worker', module: 'Worker' }] }`;

/** Checks a spec and makes the initial state, or says what is wrong with it. */
function validate(spec: unknown, name: string): SupervisorState | HypernodeError {
  const bad = (field: string, got: unknown, fix: string) =>
    new HypernodeError('INVALID_OPTIONS', `Supervisor '${name}' got ${field}: ${describeValue(got)}; ${fix}.`, { details: { field } });
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    return new HypernodeError(
      'INVALID_OPTIONS',
      `Supervisor '${name}' needs a spec object as its initial state; got ${describeValue(spec)}; spawn it with a spec such as ${EXAMPLE}.`,
      { details: { field: 'spec' } },
    );
  }
  const { strategy = 'oneForOne', intensity = 3, periodMs = 5000, children } = spec as SupervisorSpec;
  if (!STRATEGIES.includes(strategy)) return bad('strategy', strategy, `use 'oneForOne', 'oneForAll' or 'restForOne' (default 'oneForOne')`);
  if (typeof intensity !== 'number' || !Number.isInteger(intensity) || intensity < 1) {
    return bad('intensity', intensity, 'give a whole number of restarts of at least 1 (default 3)');
  }
  if (typeof periodMs !== 'number' || !Number.isFinite(periodMs) || periodMs <= 0) {
    return bad('periodMs', periodMs, 'give a positive, finite number of milliseconds (default 5000)');
  }
  if (!Array.isArray(children)) return bad('children', children, `give an array of child specs, e.g. ${EXAMPLE}`);
  const seen = new Set<string>();
  const list: Child[] = [];
  for (const [i, c] of children.entries()) {
    const at = `children[${i}]`;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) return bad(at, c, `give an object { id, module, state?, restart? }`);
    const { id, module, state, restart = 'permanent' } = c as ChildSpec;
    if (typeof id !== 'string' || id.length === 0) return bad(`${at}.id`, id, 'give each child a non-empty string id');
    if (seen.has(id)) return bad(`${at}.id`, id, 'child ids must be unique; rename one of the children with this id');
    seen.add(id);
    if (typeof module !== 'string' || module.length === 0) {
      return bad(`${at}.module`, module, `give the name of a loaded module, e.g. { id: '${id}', module: 'Worker' }`);
    }
    if (!RESTARTS.includes(restart)) return bad(`${at}.restart`, restart, `use 'permanent', 'transient' or 'temporary' (default 'permanent')`);
    const child: Child = { id, module, restart, name: null };
    if (state !== undefined) child.state = state;
    list.push(child);
  }
  return { strategy, intensity, periodMs, children: list, restarts: [], stopping: [], then: null, held: [] };
}
