/** Modules of the cross-worker benchmark (loaded as classes on both sides). */
import { Process, type Context, type ProcessClass } from '../packages/core/src/index';

class BenchRoot extends Process {
  static override moduleName = 'BenchRoot';
}

class BenchSink extends Process<{ left: number; notify: string }> {
  static override moduleName = 'BenchSink';
  override *processDidReceiveMessage(state: { left: number; notify: string }, _m: unknown, _f: string, ctx: Context) {
    if (--state.left === 0) ctx.send(state.notify, 'done');
    return state;
  }
}

class BenchBlaster extends Process<{ to: string; count: number; burst: number; sent: number }> {
  static override moduleName = 'BenchBlaster';
  override *processDidReceiveMessage(state: { to: string; count: number; burst: number; sent: number }, _m: unknown, _f: string, ctx: Context) {
    const { send } = ctx;
    const end = Math.min(state.count, state.sent + state.burst);
    for (let i = state.sent; i < end; i++) send(state.to, { type: 'M', n: i });
    state.sent = end;
    if (end < state.count) ctx.sendAfter(ctx.getProcessName(), { type: 'NEXT', n: end }, 0);
    return state;
  }
}

class BenchPonger extends Process {
  static override moduleName = 'BenchPonger';
  override *processDidReceiveMessage(state: object, msg: { n: number }, from: string, ctx: Context) {
    ctx.send(from, { type: 'PONG', n: msg.n });
    return state;
  }
}

interface TimedState { peer: string; left: number; notify: string; times: number[]; sentAt: number }
class BenchTimedPinger extends Process<TimedState> {
  static override moduleName = 'BenchTimedPinger';
  override *processDidReceiveMessage(state: TimedState, msg: { type: string }, _f: string, ctx: Context) {
    const now = performance.now();
    if (msg.type !== 'GO') {
      state.times.push(now - state.sentAt);
      if (--state.left === 0) {
        ctx.send(state.notify, state.times);
        return state;
      }
    }
    state.sentAt = performance.now();
    ctx.send(state.peer, { type: 'PING', n: state.left });
    return state;
  }
}

class BenchIdle extends Process {
  static override moduleName = 'BenchIdle';
}

class BenchProbe extends Process<{ notify: string }> {
  static override moduleName = 'BenchProbe';
  override *processWillRun(state: { notify: string }, ctx: Context) {
    ctx.send(state.notify, 'spawned');
    return state;
  }
}

class BenchSpawner extends Process<{ count: number; notify: string }> {
  static override moduleName = 'BenchSpawner';
  override *processWillRun(state: { count: number; notify: string }, ctx: Context) {
    const { spawn } = ctx;
    for (let i = 0; i < state.count; i++) spawn('BenchIdle', { i });
    spawn('BenchProbe', { notify: state.notify });
    return state;
  }
}

export const benchModules: ProcessClass[] = [BenchRoot, BenchSink, BenchBlaster, BenchPonger, BenchTimedPinger, BenchIdle, BenchProbe, BenchSpawner];
