/**
 * OpenTelemetry trace context across processes and workers (docs/design/023-traces-and-cleanup.md), with
 * `@opentelemetry/api` only: it is a no-op unless the application installs an SDK and registers a tracer provider
 * (and, for the context to follow async code, a context manager such as `AsyncLocalStorageContextManager`).
 *
 * Sending (`send`, `call`, `spawn`) while a span is active carries its W3C `traceparent` (and `tracestate`) in
 * the envelope, on the local path as on the wire; the receiving turn runs with that context active, in a span
 * `hypernode handle <Module>` (or `hypernode start <Module>` for `processWillRun`). Messages sent with no active
 * span carry nothing and start no span.
 *
 * Cost when off: the send path reads {@link tracing}`.on`, one property, set by {@link refreshTracing} (at each
 * run of a worker's loop, each frame in, and each send from outside a process) to whether a global tracer
 * provider is registered. Nothing else runs and envelopes are unchanged.
 */
import { context, isSpanContextValid, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, createTraceState, type Context, type Span } from '@opentelemetry/api';
import { PENDING } from './coroutine';
import type { ProcRecord } from './process-record';
import { extrasOf } from './process-record';
import { workerOf } from './wire';

/**
 * The W3C trace context of a message: `traceparent`, or `[traceparent, tracestate]` when there is a trace state.
 * Data only: it crosses the wire as it is.
 */
export type TraceCarrier = string | [string, string];

/** Whether a global tracer provider is registered (see {@link refreshTracing}); read on every send. */
export const tracing = { on: false };

const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Sets {@link tracing}`.on` to whether a tracer provider is registered with `@opentelemetry/api`, and returns it. */
export function refreshTracing(): boolean {
  const provider = trace.getTracerProvider() as Partial<ProxyTracerProvider>;
  return (tracing.on = typeof provider.getDelegate === 'function' ? provider.getDelegate() !== NOOP_PROVIDER : true);
}

/** The trace context of the span active here, or undefined when none is (or it is invalid). */
export function activeTrace(): TraceCarrier | undefined {
  const sc = trace.getSpanContext(context.active());
  if (sc === undefined || !isSpanContextValid(sc)) return undefined;
  const parent = `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  const state = sc.traceState?.serialize();
  return state ? [parent, state] : parent;
}

/** The context a carrier names (a remote parent), or undefined when it is not a valid W3C trace context. */
export function contextOf(carrier: unknown): Context | undefined {
  const [parent, state] = typeof carrier === 'string' ? [carrier, undefined] : Array.isArray(carrier) ? carrier : [];
  const m = typeof parent === 'string' ? TRACEPARENT.exec(parent) : null;
  if (m === null) return undefined;
  const sc = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true, ...(typeof state === 'string' ? { traceState: createTraceState(state) } : {}) };
  return isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : undefined;
}

/**
 * Runs a lifecycle function of `rec` (`run`) in the trace `carrier` names, inside a span of its own when a tracer
 * provider is registered. The span ends when `run` returns, or, when it returns `PENDING` (an async handler),
 * when {@link endTurnSpan} is called as it settles. A carrier that is not a valid trace context is ignored.
 */
export function runTraced(rec: ProcRecord, carrier: unknown, what: 'handle' | 'start', run: () => unknown): unknown {
  const parent = contextOf(carrier);
  if (parent === undefined) return run();
  if (!tracing.on) return context.with(parent, run);
  const span = trace.getTracer('hypernode').startSpan(
    `hypernode ${what} ${rec.moduleName}`,
    { kind: SpanKind.CONSUMER, attributes: { 'hypernode.process': rec.name, 'hypernode.module': rec.moduleName, 'hypernode.worker': workerOf(rec.name) } },
    parent,
  );
  let value: unknown;
  try {
    value = context.with(trace.setSpan(parent, span), run);
  } catch (err) {
    finishSpan(span, err);
    throw err;
  }
  if (value === PENDING) extrasOf(rec).span = span;
  else span.end();
  return value;
}

/** Ends the span of `rec`'s async lifecycle function that just settled (with `err` when it failed), if any. */
export function endTurnSpan(rec: ProcRecord, err: unknown): void {
  const span = rec.extras?.span as Span | undefined;
  if (span === undefined) return;
  rec.extras!.span = undefined;
  finishSpan(span, err);
}

function finishSpan(span: Span, err: unknown): void {
  if (err !== null && err !== undefined) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end();
}
