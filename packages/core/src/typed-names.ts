/**
 * Typed process names: the sending side of a module's message types.
 *
 * A module declares what it receives and what its calls answer with its type parameters,
 * `class Counter extends Process<State, Message, Reply>`. Spawning it by class (`spawn(Counter, state)`), or
 * by a name declared in {@link ModuleMap}, returns a {@link ProcessName} that carries `Message` and `Reply`;
 * `send`, `call` and `sendAfter` to such a name check the message, and `call` resolves with `Reply`. A name
 * that carries no types (a plain `string`, a registered name, a module name that is not declared) accepts any
 * message, as before.
 *
 * Everything here is types only: a `ProcessName` is a plain string at run time.
 */
import type { ProcessClass, processTypes } from './process';

declare const nameTypes: unique symbol;

/**
 * A process name that carries the messages its process accepts (`Message`) and what its calls answer with
 * (`Reply`). It is a `string` at run time and in every signature that takes a `string`; a plain `string` may be
 * given where a `ProcessName` is expected, to declare what a name you got untyped (a parent's name, a
 * registered name) accepts: `const log: ProcessName<LogMessage> = 'logger'`. Two names that carry different
 * messages are not interchangeable.
 *
 * @typeParam Message - what `send`/`call` to this name accept.
 * @typeParam Reply - what `call` to this name resolves with.
 */
export type ProcessName<Message = unknown, Reply = unknown> = string & {
  /** Never present: the phantom that carries the types. */
  readonly [nameTypes]?: { message: Message; reply: Reply };
};

/**
 * The modules spawned by name whose types the compiler should know, keyed by module name: extend it by
 * declaration merging, next to the module or in a `.d.ts` of the application:
 *
 * ```ts
 * declare module 'hypernode' {       // or '@hypernode/core'
 *   interface ModuleMap { Counter: typeof Counter }
 * }
 * ```
 *
 * Then `spawn('Counter', state)` checks `state` and returns a typed {@link ProcessName}. Names that are not
 * declared stay untyped. Declaring a name does not load anything: the module must still be loaded.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ModuleMap {}

/** What `spawn` takes as a module: its class, or its module name (typed when declared in {@link ModuleMap}). */
export type ModuleRef = string | ProcessClass;

/** The `Process` instance type of a module class or of a name declared in {@link ModuleMap}; `never` otherwise. */
type InstanceOfModule<M> = M extends abstract new () => infer P
  ? P
  : M extends keyof ModuleMap
    ? ModuleMap[M] extends abstract new () => infer P
      ? P
      : never
    : never;

/** The type parameters of a module (`{ state, message, reply }`), or `never` for an untyped module. */
type ModuleTypes<M> = InstanceOfModule<M> extends { readonly [processTypes]?: infer T } ? NonNullable<T> : never;

/** The `State` of a module class or declared module name; `unknown` for an untyped module. */
export type StateOf<M> = [ModuleTypes<M>] extends [never] ? unknown : ModuleTypes<M> extends { state: infer S } ? S : unknown;

/** The `Message` of a module class or declared module name; `unknown` for an untyped module. */
export type MessageOf<M> = [ModuleTypes<M>] extends [never] ? unknown : ModuleTypes<M> extends { message: infer T } ? T : unknown;

/** The `Reply` of a module class or declared module name; `unknown` for an untyped module. */
export type ReplyOf<M> = [ModuleTypes<M>] extends [never] ? unknown : ModuleTypes<M> extends { reply: infer R } ? R : unknown;

/**
 * What `spawn` of a module class or declared module name takes as initial state: the first parameter of its
 * `processWillRun` when it declares one (`Supervisor` takes a `SupervisorSpec` and makes its `State` from it),
 * else its `State`; `unknown` for an untyped module.
 */
export type InitialStateOf<M> = [ModuleTypes<M>] extends [never]
  ? unknown
  : InstanceOfModule<M> extends { processWillRun?(state: infer I, ...rest: never[]): unknown }
    ? I
    : StateOf<M>;

/**
 * The arguments after the module in `spawn(module, ...)`: the initial state, checked against
 * {@link InitialStateOf}. It may be left out when that accepts `{}` (the default initial state) or the module
 * is untyped.
 */
export type SpawnArgs<M> = [ModuleTypes<M>] extends [never]
  ? [initialState?: unknown]
  : {} extends InitialStateOf<M>
    ? [initialState?: InitialStateOf<M>]
    : [initialState: InitialStateOf<M>];

/** The name `spawn(module, ...)` returns: typed with the module's `Message` and `Reply` (untyped modules give `ProcessName<unknown, unknown>`, which is just a string). */
export type SpawnedName<M> = ProcessName<MessageOf<M>, ReplyOf<M>>;

/** What a message to the name `To` may be: its process's `Message` for a typed name, anything (`unknown`) otherwise. */
export type MessageTo<To> = To extends { readonly [nameTypes]?: { message: infer T } } ? T : unknown;

/** What a call to the name `To` resolves with: its process's `Reply` for a typed name, `unknown` otherwise. */
export type ReplyFrom<To> = To extends { readonly [nameTypes]?: { reply: infer R } } ? R : unknown;
