import { HypernodeError, type Clock, type Logger, type ProcessInfo } from '@hypernode/core';
import type { WorkerLoad } from '@hypernode/core/runtime';
import { planRelocations, SCHEDULER_DEFAULTS, type Relocation } from '@hypernode/scheduler';
import type { MoveOutcome } from './move-outcome';
import { ROOT_NAME, ROOT_WORKER } from './root-process';
import { plural, processes } from './plural';

/** The window the move cap counts over. */
const MINUTE_MS = 60_000;
/** New reports a worker a move touched must write, after the first one seen, before the rebalancer plans again. */
const SETTLE_REPORTS = 2;

/** The defaults of {@link RebalanceOptions}. */
export const REBALANCE_DEFAULTS: Readonly<Required<RebalanceOptions>> = Object.freeze({
  maxMovesPerMinute: 60,
  imbalanceThreshold: SCHEDULER_DEFAULTS.imbalanceThreshold,
  cooldownMs: 5000,
  processCooldownMs: 5 * MINUTE_MS,
  staleAfterMs: SCHEDULER_DEFAULTS.staleAfterMs,
});

/** Options of the cluster daemon's rebalancer (`hypernode-cluster --rebalance`). */
export interface RebalanceOptions {
  /** The most moves it starts in any 60 s, counted when started (a move that fails or is refused counts). Default 60; 1 to 10 000. */
  maxMovesPerMinute?: number;
  /** `planRelocations`' threshold: a worker is a source only when its load score exceeds the mean by more than this. Default 10. */
  imbalanceThreshold?: number;
  /** After a round that started a move, no new plan for this long (ms). Default 5000. */
  cooldownMs?: number;
  /** A process the rebalancer moved is not picked again for this long (ms). Default 300 000. */
  processCooldownMs?: number;
  /** A worker whose report is older than this (ms) takes no part, as source or target. Default 10 000. */
  staleAfterMs?: number;
}

/** What the rebalancer needs from the cluster daemon; each is a plain function, so tests drive it without daemons. */
export interface RebalancerPorts {
  clock: Clock;
  logger: Logger;
  /** The workers' latest load reports (read afresh for each round, after the previous one ended). */
  loads(): Promise<WorkerLoad[]>;
  /** The processes worker `worker` hosts (its `ps`), or undefined when it does not answer. */
  processesOf(worker: string): Promise<ProcessInfo[] | undefined>;
  /** Asks worker `from` to move process `name` to worker `to`. May reject (the worker did not answer). */
  move(name: string, from: string, to: string): Promise<MoveOutcome>;
}

/** What one {@link Rebalancer.round} did. */
export interface RebalanceRound {
  /** Why no plan was made: a round already running, the cooldown, reports that do not yet show the last moves, the cap, or nothing to do. */
  skipped?: 'busy' | 'cooldown' | 'settling' | 'cap' | 'balanced';
  /** The plan it carried out (empty when skipped). */
  plan: Relocation[];
  /** Every move it started, in order; a move that rejected is `{ moved: false, reason: 'target-unavailable' }` with the error's message. */
  outcomes: MoveOutcome[];
}

/** What `status` shows of the rebalancer. */
export interface RebalancerStatus {
  on: true;
  maxMovesPerMinute: number;
  /** Moves started in the last 60 s. */
  movesLastMinute: number;
  /** Moves that succeeded since the daemon started. */
  moved: number;
  /** Moves that were refused or failed since the daemon started. */
  notMoved: number;
}

/**
 * The opt-in rebalancer of the cluster daemon (design 032). Each {@link round} takes the workers' latest load
 * reports, asks the scheduler's `planRelocations` for `{ from, to, count }` moves, picks which processes go (on
 * `from`, the quietest first: shortest mailbox, then by name; never the root, never a process that is starting (a
 * supervisor's child being restarted) or exiting, never one it moved within `processCooldownMs`) and moves them one
 * at a time through the ports. Quietest first because `planRelocations` counts each process at its worker's average
 * cost: the quiet ones carry at most that, so a round never overshoots and the next one finishes the job (design
 * 032 measures the busiest-first alternative piling the load onto one target).
 *
 * Promises: it never starts more than `maxMovesPerMinute` moves in any 60 s (counted by the injected clock); it
 * plans nothing while a worker a move touched has not sent a load report written after that move (so it never
 * acts twice on the same imbalance), nor within `cooldownMs` of a round that moved; `planRelocations`' own
 * threshold and rounding keep it from pushing a target above the mean. Rounds never overlap.
 *
 * Does not: read the registry or talk to workers itself (the ports do), decide that a process can move (the worker
 * does, and may refuse), or move anything off a draining worker (evacuation does).
 */
export class Rebalancer {
  private readonly options: Required<RebalanceOptions>;
  /** When each move of the last minute started. */
  private readonly started: number[] = [];
  /** Processes it moved, with when. */
  private readonly movedAt = new Map<string, number>();
  /**
   * Workers a move touched whose reports do not yet show it. The first report seen after the move (`baseline`) may
   * have been written during it, and a report's event-loop delay covers the period before it was written, so the
   * worker settles once {@link SETTLE_REPORTS} reports with other `at`s have followed the baseline.
   */
  private readonly settling = new Map<string, { baseline: number | undefined; changes: number }>();
  private cooldownUntil = -Infinity;
  private running = false;
  private moved = 0;
  private notMoved = 0;

  constructor(
    private readonly ports: RebalancerPorts,
    options: RebalanceOptions = {},
  ) {
    this.options = rebalanceOptions(options, 'the rebalancer');
  }

  /** Moves started in the last 60 s, by the injected clock. */
  movesLastMinute(): number {
    this.prune(this.ports.clock.now());
    return this.started.length;
  }

  /** Its state for `status`. */
  status(): RebalancerStatus {
    return { on: true, maxMovesPerMinute: this.options.maxMovesPerMinute, movesLastMinute: this.movesLastMinute(), moved: this.moved, notMoved: this.notMoved };
  }

  /**
   * One round: reads the loads (through the ports), plans and moves. Resolves when its moves have finished; a call
   * while a round runs resolves at once with `skipped: 'busy'`. Never rejects for a worker that fails to answer (that
   * move counts as not moved); rejects only when the loads cannot be read or are unusable (`planRelocations`' error).
   */
  async round(): Promise<RebalanceRound> {
    if (this.running) return { skipped: 'busy', plan: [], outcomes: [] };
    this.running = true;
    try {
      return await this.plannedRound(await this.ports.loads());
    } finally {
      this.running = false;
    }
  }

  private async plannedRound(loads: readonly WorkerLoad[]): Promise<RebalanceRound> {
    const { clock } = this.ports;
    const now = clock.now();
    this.prune(now);
    if (this.stillSettling(loads)) return { skipped: 'settling', plan: [], outcomes: [] };
    if (now < this.cooldownUntil) return { skipped: 'cooldown', plan: [], outcomes: [] };
    const budget = this.options.maxMovesPerMinute - this.started.length;
    if (budget <= 0) return { skipped: 'cap', plan: [], outcomes: [] };
    const plan = planRelocations(loads, {
      now,
      imbalanceThreshold: this.options.imbalanceThreshold,
      staleAfterMs: this.options.staleAfterMs,
      maxMoves: budget,
    });
    if (plan.length === 0) return { skipped: 'balanced', plan, outcomes: [] };

    const outcomes: MoveOutcome[] = [];
    const listed = new Map<string, ProcessInfo[]>();
    for (const step of plan) {
      let list = listed.get(step.from);
      if (!list) {
        list = this.movable(step.from, (await this.ports.processesOf(step.from)) ?? [], clock.now());
        listed.set(step.from, list);
      }
      for (let i = 0; i < step.count && list.length > 0; i++) {
        if (this.started.length >= this.options.maxMovesPerMinute) break;
        const p = list.shift()!;
        this.started.push(clock.now());
        const outcome = await this.ports.move(p.name, step.from, step.to).catch(
          (err: Error): MoveOutcome => ({ name: p.name, moved: false, reason: 'target-unavailable', message: err.message }),
        );
        outcomes.push(outcome);
        const at = clock.now();
        this.movedAt.set(p.name, at);
        if (outcome.moved) {
          this.moved++;
          this.settling.set(step.from, { baseline: undefined, changes: 0 });
          this.settling.set(step.to, { baseline: undefined, changes: 0 });
        } else {
          this.notMoved++;
        }
      }
    }
    if (outcomes.length > 0) this.cooldownUntil = clock.now() + this.options.cooldownMs;
    this.report(plan, outcomes);
    return { plan, outcomes };
  }

  /** Whether a worker a move touched has not yet reported after it; advances each worker's wait. */
  private stillSettling(loads: readonly WorkerLoad[]): boolean {
    const present = new Map(loads.map((w) => [w.id, w.load.at]));
    let waiting = false;
    for (const [id, s] of this.settling) {
      const at = present.get(id);
      // A worker that left the list has nothing left to settle.
      if (at === undefined) this.settling.delete(id);
      else if (s.baseline === undefined) {
        s.baseline = at;
        waiting = true;
      } else {
        if (at !== s.baseline) {
          s.baseline = at;
          s.changes++;
        }
        if (s.changes >= SETTLE_REPORTS) this.settling.delete(id);
        else waiting = true;
      }
    }
    return waiting;
  }

  /** The processes of `worker` it may pick, the quietest (shortest mailbox) first. */
  private movable(worker: string, list: ProcessInfo[], now: number): ProcessInfo[] {
    return list
      .filter((p) => p.name !== ROOT_NAME && worker !== ROOT_WORKER && (p.status === 'waiting' || p.status === 'running'))
      .filter((p) => {
        const at = this.movedAt.get(p.name);
        return at === undefined || now - at >= this.options.processCooldownMs;
      })
      .sort((a, b) => a.mailboxSize - b.mailboxSize || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private prune(now: number): void {
    while (this.started.length > 0 && now - this.started[0]! >= MINUTE_MS) this.started.shift();
    for (const [name, at] of this.movedAt) if (now - at >= this.options.processCooldownMs) this.movedAt.delete(name);
  }

  private report(plan: Relocation[], outcomes: MoveOutcome[]): void {
    const moved = outcomes.filter((o) => o.moved).length;
    const steps = plan.map((s) => `${s.count} '${s.from}'→'${s.to}'`).join(', ');
    const reasons = outcomes.filter((o) => !o.moved).map((o) => `'${o.name}': ${(o as { message: string }).message}`);
    this.ports.logger.info(
      `rebalancer: planned ${steps}; moved ${processes(moved)}, ${plural(outcomes.length - moved, 'move')} refused or failed${reasons.length ? ` (${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? '; ...' : ''})` : ''}; ${this.started.length} of ${this.options.maxMovesPerMinute} moves used in the last minute`,
    );
  }
}

/**
 * Checks rebalancer options and fills in the defaults; `where` names the caller in the error.
 *
 * @throws HypernodeError `INVALID_OPTIONS` naming the option, its value and what is allowed.
 */
export function rebalanceOptions(options: RebalanceOptions, where: string): Required<RebalanceOptions> {
  const check = (name: keyof RebalanceOptions, min: number, max: number, integer: boolean): number => {
    const value = options[name];
    if (value === undefined) return REBALANCE_DEFAULTS[name];
    if (typeof value !== 'number' || !(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
      throw new HypernodeError(
        'INVALID_OPTIONS',
        `${where} got ${name}: ${String(value)}; give ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, or leave it out for the default ${REBALANCE_DEFAULTS[name]}.`,
      );
    }
    return value;
  };
  return {
    maxMovesPerMinute: check('maxMovesPerMinute', 1, 10_000, true),
    imbalanceThreshold: check('imbalanceThreshold', 0, 1e6, false),
    cooldownMs: check('cooldownMs', 0, 3_600_000, true),
    processCooldownMs: check('processCooldownMs', 0, 86_400_000, true),
    staleAfterMs: check('staleAfterMs', 1, 3_600_000, true),
  };
}
