/**
 * What tracing costs on the local path: the ping-pong of local.ts with no tracer provider registered (what every
 * user without an OpenTelemetry SDK runs) against the same with a BasicTracerProvider and an AsyncLocalStorage
 * context manager registered and the request sent inside an active span, so that every message carries a trace
 * context and every handled message makes a span (recorded, exported nowhere).
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { pingPong } from './local';

/** Local ping-pong round trips per second, with tracing on (an SDK registered, the request in a span) or off. */
export async function tracedPingPong(roundTrips: number, on: boolean): Promise<number> {
  trace.disable();
  context.disable();
  if (!on) return pingPong(roundTrips);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider());
  try {
    return await trace.getTracer('bench').startActiveSpan('bench request', (span) => {
      const done = pingPong(roundTrips);
      span.end();
      return done;
    });
  } finally {
    trace.disable();
    context.disable();
  }
}
