/**
 * The coroutine runner: drives what a lifecycle function returns. A generator is stepped, each yielded
 * promise awaited (its value sent back in, its rejection thrown in at the `yield`), an array of promises
 * awaited as a whole; a promise is awaited; any other value is the result. Work that never waits finishes
 * synchronously, so a handler that does not `yield` costs no microtask.
 */

/** What a lifecycle function may return. */
export type Lifecycle<T> = T | PromiseLike<T> | Generator<unknown, T, unknown> | AsyncGenerator<never, never, never>;

export type Done<A> = (arg: A, error: unknown, value: unknown) => void;

const PENDING: unique symbol = Symbol('pending');

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator).throw === 'function'
  );
}

/**
 * Runs `result` to completion. Returns the final value when that is known at once; otherwise returns
 * {@link PENDING} and calls `done(arg, err, value)` later (exactly once). A synchronous failure is thrown.
 * When `live(arg)` turns false while a generator waits, the generator is closed instead of resumed and
 * `done` is not called.
 */
export function settle<A>(result: unknown, done: Done<A>, arg: A, live?: (arg: A) => boolean): unknown {
  if (isGenerator(result)) return step(result, done, arg, false, undefined, live);
  if (isThenable(result)) {
    result.then(
      (value) => done(arg, null, value),
      (err) => done(arg, err ?? new Error('a lifecycle promise rejected with no reason'), undefined),
    );
    return PENDING;
  }
  return result;
}

export { PENDING };

function step<A>(
  gen: Generator<unknown, unknown, unknown>,
  done: Done<A>,
  arg: A,
  throwing: boolean,
  input: unknown,
  live: ((arg: A) => boolean) | undefined,
): unknown {
  for (;;) {
    const r = throwing ? gen.throw(input) : gen.next(input);
    if (r.done) return r.value;
    let yielded = r.value;
    if (Array.isArray(yielded) && yielded.some(isThenable)) yielded = Promise.all(yielded);
    if (!isThenable(yielded)) {
      throwing = false;
      input = yielded;
      continue;
    }
    yielded.then(
      (value) => resume(gen, done, arg, false, value, live),
      (err) => resume(gen, done, arg, true, err, live),
    );
    return PENDING;
  }
}

function resume<A>(
  gen: Generator<unknown, unknown, unknown>,
  done: Done<A>,
  arg: A,
  throwing: boolean,
  input: unknown,
  live: ((arg: A) => boolean) | undefined,
): void {
  if (live !== undefined && !live(arg)) {
    // The process ended while this generator waited: it is not resumed; its `finally` blocks run.
    try {
      gen.return(undefined);
    } catch {
      // an error thrown by a finally block of an abandoned handler has nowhere to go
    }
    return;
  }
  let value: unknown;
  try {
    value = step(gen, done, arg, throwing, input, live);
  } catch (err) {
    done(arg, err, undefined);
    return;
  }
  if (value !== PENDING) done(arg, null, value);
}
