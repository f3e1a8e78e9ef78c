import { context, trace, type Context as OtelContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type EmbeddedCluster } from './cluster';
import type { Context } from './context';
import { silentLogger } from './logger';
import { MemoryNetwork } from './memory-transport';
import { ClassCatalog, ModuleTable } from './modules';
import { Process } from './process';
import { collector } from './test-support';
import { activeTrace, contextOf, refreshTracing, tracing } from './tracing';
import { deliveredContent } from './reliable-delivery';
import { decodeFrame, E_MSG } from './wire';
import { WorkerRuntime } from './worker';

// One file, one order: the first describe runs with no tracer provider registered, the second registers one
// (the API's globals are per process, and vitest runs each file in its own).

type Go = { type: 'GO'; route: string[]; spawn?: boolean };

/** Passes `GO` on to the first name of its route with the rest of it; the last hop's message reaches an inbox. */
class Hop extends Process {
  static override moduleName = 'Hop';
  override async processDidReceiveMessage(state: object, message: Go, _from: string, { send, spawn }: Context) {
    await new Promise((resolve) => setTimeout(resolve, 1)); // the context must survive an await
    if (message.spawn) spawn('Starter', { report: message.route[0] });
    else send(message.route[0]!, { ...message, route: message.route.slice(1) });
    return state;
  }
}

/** Tells `report` it started. */
class Starter extends Process {
  static override moduleName = 'Starter';
  override processWillRun(state: { report: string }, { send, getProcessName }: Context) {
    send(state.report, { started: getProcessName() });
    return state;
  }
}

/** The in-memory exporter, and a way to await a span that ends after the message the test awaited. */
class Exporter extends InMemorySpanExporter {
  private readonly waiters = new Set<() => void>();
  override export(spans: ReadableSpan[], done: Parameters<InMemorySpanExporter['export']>[1]): void {
    super.export(spans, done);
    for (const wake of [...this.waiters]) wake();
  }
  /** Resolves with the finished span that `pick` finds, once there is one. */
  span(pick: (s: ReadableSpan) => boolean): Promise<ReadableSpan> {
    return new Promise((resolve) => {
      const look = () => {
        const found = this.getFinishedSpans().find(pick);
        if (found) (this.waiters.delete(look), resolve(found));
      };
      this.waiters.add(look);
      look();
    });
  }
}

const SPAN = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };

/** Two workers on one in-memory network; every frame w1 sends is kept. */
async function twoWorkers() {
  const network = new MemoryNetwork({ cluster: 'tracing' });
  const catalog = new ClassCatalog();
  catalog.add('Hop', Hop);
  catalog.add('Starter', Starter);
  const frames: Uint8Array[] = [];
  const t1 = network.connect();
  const send = t1.send.bind(t1);
  t1.send = (inbox, frame) => (frames.push(frame.slice()), send(inbox, frame));
  const w1 = new WorkerRuntime({ id: 'w1', cluster: 'tracing', transport: t1, modules: new ModuleTable(catalog, undefined, undefined), logger: silentLogger });
  const w2 = new WorkerRuntime({ id: 'w2', cluster: 'tracing', transport: network.connect(), modules: new ModuleTable(catalog, undefined, undefined), logger: silentLogger });
  await w1.start();
  await w2.start();
  return { w1, w2, frames, close: async () => (await w1.close(), await w2.close()) };
}

/** The E_MSG envelope w1 sends to w2 from its outside while `ctx` is active. */
async function envelopeSentIn(ctx: OtelContext): Promise<unknown[]> {
  const { w1, w2, frames, close } = await twoWorkers();
  try {
    const onW2 = collector(w2);
    context.with(ctx, () => w1.sendFrom('w1:outside', onW2.name, { hello: 1 }, null));
    w1.flushNow();
    await onW2.next();
    const data = frames.map(deliveredContent).filter((f) => f !== null);
    const env = data.flatMap((f) => decodeFrame(f).slice(1) as unknown[][]).find((e) => e[0] === E_MSG)!;
    return env;
  } finally {
    await close();
  }
}

describe('with no tracer provider registered', () => {
  beforeAll(() => void context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));

  it('adds nothing to envelopes, even while a span context is active', async () => {
    const ctx = trace.setSpanContext(context.active(), SPAN);
    expect(refreshTracing()).toBe(false);
    expect(await envelopeSentIn(ctx)).toEqual([E_MSG, 'w2:$1', 'w1:outside', { hello: 1 }]);
    expect(tracing.on).toBe(false);
  });
});

describe('with a tracer provider and a context manager registered', () => {
  const exporter = new Exporter();
  let cluster: EmbeddedCluster | undefined;
  beforeAll(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(async () => {
    await cluster?.stop();
    trace.disable();
    context.disable();
  });

  it("carries the active span's traceparent and tracestate in the envelope", async () => {
    expect(refreshTracing()).toBe(true);
    const ctx = trace.setSpanContext(context.active(), { ...SPAN, traceState: undefined });
    expect(await envelopeSentIn(ctx)).toEqual([E_MSG, 'w2:$1', 'w1:outside', { hello: 1 }, null, `00-${SPAN.traceId}-${SPAN.spanId}-01`]);
    const withState = contextOf([`00-${SPAN.traceId}-${SPAN.spanId}-01`, 'vendor=abc,other=1'])!;
    expect(context.with(withState, activeTrace)).toEqual([`00-${SPAN.traceId}-${SPAN.spanId}-01`, 'vendor=abc,other=1']);
    expect(contextOf('00-not-a-trace')).toBeUndefined();
  });

  it('makes a request that hops A -> B -> C across two workers one trace, each hop a span whose parent is the previous one', async () => {
    const { w1, w2, close } = await twoWorkers();
    try {
      const [a, b, c] = [w1.spawnRoot('Hop', {}), w2.spawnRoot('Hop', {}), w1.spawnRoot('Hop', {})];
      const inbox = collector(w1);
      exporter.reset();
      const request = trace.getTracer('test').startActiveSpan('request', (span) => {
        w1.sendFrom('w1:outside', a, { type: 'GO', route: [b, c, inbox.name] }, null);
        w1.flushNow();
        span.end();
        return span;
      });
      await inbox.next();

      const hop = (name: string) => exporter.span((s) => s.attributes['hypernode.process'] === name);
      const [sa, sb, sc] = [await hop(a), await hop(b), await hop(c)];
      for (const [s, name, worker] of [[sa, a, 'w1'], [sb, b, 'w2'], [sc, c, 'w1']] as const) {
        expect(s.name).toBe('hypernode handle Hop');
        expect(s.attributes).toEqual({ 'hypernode.process': name, 'hypernode.module': 'Hop', 'hypernode.worker': worker });
        expect(s.spanContext().traceId).toBe(request.spanContext().traceId);
      }
      expect(sa.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(sb.parentSpanContext?.spanId).toBe(sa.spanContext().spanId);
      expect(sc.parentSpanContext?.spanId).toBe(sb.spanContext().spanId);
    } finally {
      await close();
    }
  });

  it('carries the trace in a spawn to another worker, to the processWillRun of the spawned process', async () => {
    const { w1, close } = await twoWorkers();
    try {
      const inbox = collector(w1);
      const parent = w1.spawnRoot('Hop', {});
      exporter.reset();
      const request = trace.getTracer('test').startActiveSpan('request', (span) => {
        w1.spawnAsChild(parent, 'Starter', { report: inbox.name }, 'w2');
        span.end();
        return span;
      });
      const started = (await inbox.next()).message.started as string;
      expect(started.startsWith('w2:')).toBe(true);
      const start = await exporter.span((s) => s.name === 'hypernode start Starter');
      expect(start.attributes).toEqual({ 'hypernode.process': started, 'hypernode.module': 'Starter', 'hypernode.worker': 'w2' });
      expect(start.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    } finally {
      await close();
    }
  });

  it("in an embedded cluster, starts a process spawned by a traced handler in the handler's span", async () => {
    cluster = await createCluster({ workers: 2, logger: silentLogger, modules: [Hop, Starter] });
    const inbox = cluster.inbox();
    const hopName = await cluster.spawn('Hop', {});
    exporter.reset();
    const request = trace.getTracer('test').startActiveSpan('request', (span) => {
      cluster!.send(hopName!, { type: 'GO', route: [inbox.name], spawn: true });
      span.end();
      return span;
    });
    const started = ((await inbox.receive(10_000)).message as { started: string }).started;
    const handle = await exporter.span((s) => s.name === 'hypernode handle Hop');
    const start = await exporter.span((s) => s.name === 'hypernode start Starter');
    expect(handle.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(start.attributes['hypernode.process']).toBe(started);
    expect(start.parentSpanContext?.spanId).toBe(handle.spanContext().spanId);
    expect(start.spanContext().traceId).toBe(request.spanContext().traceId);
  });
});
