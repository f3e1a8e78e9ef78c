/**
 * Hot code upgrades of running processes (design 019). After a module is reloaded, each running process of it
 * switches on its next turn: its instance takes the new class's prototype, then `processWillUpgrade(state,
 * fromVersion, ctx)` runs on a copy of its state. When the hook throws or rejects (or the new version cannot be
 * loaded on this worker), that process is rolled back, as OTP's release handler reverts a failed `code_change`:
 * its instance gets the old prototype again, its state stays as it was before the hook, it keeps handling
 * messages with the old version, and the failure is logged as an error naming the process, both versions and the
 * cause. It tries again only when a still newer version is loaded. What the hook did through `ctx` (messages
 * sent, processes spawned) is not undone.
 */
import { copyData } from './codec';
import { PENDING, settle } from './coroutine';
import { describeReason, toExitReason } from './exit-reason';
import type { Logger } from './logger';
import type { ModuleEntry, ModuleTable } from './modules';
import type { ProcessContext } from './process-context';
import { about, ENDING, RUNNING, type ProcRecord } from './process-record';

/** What an upgrade needs of its worker's kernel. */
export interface UpgradeHost {
  readonly modules: ModuleTable;
  readonly logger: Logger;
  context(rec: ProcRecord): ProcessContext;
  /** A lifecycle function of `rec` settled: `value` is its next state (undefined keeps it). */
  settled(rec: ProcRecord, err: unknown, value: unknown): void;
}

interface Upgrade {
  host: UpgradeHost;
  rec: ProcRecord;
  from: ModuleEntry;
  to: ModuleEntry;
  /** The copy of the state the hook got: its next state when it returns nothing. */
  draft: unknown;
}

/** Switches `rec` (its status RUNNING, its module `from` superseded) to the newest version of its module. */
export function upgradeProcess(host: UpgradeHost, rec: ProcRecord): void {
  const from = rec.module!;
  host.modules.fetch(rec.moduleName).then(
    (to) => {
      if (rec.status !== RUNNING) return;
      if (!to) {
        // The module is gone from the registry: the process keeps the version it has.
        rec.module = { ...from, superseded: false };
        host.settled(rec, null, undefined);
      } else switchTo({ host, rec, from, to, draft: undefined });
    },
    (err) => {
      if (rec.status === RUNNING) rollBack(host, rec, from, host.modules.announced(rec.moduleName), err);
    },
  );
}

function switchTo(up: Upgrade): void {
  const { host, rec, from, to } = up;
  rec.module = to;
  let value: unknown;
  try {
    Object.setPrototypeOf(rec.instance, to.cls.prototype);
    const fn = rec.instance!.processWillUpgrade;
    if (fn) {
      up.draft = draftOf(rec.state);
      value = settle(fn.call(rec.instance, up.draft, from.version, host.context(rec)), upgraded, up, isLive);
    }
  } catch (err) {
    return rollBack(host, rec, from, to.version, err);
  }
  if (value !== PENDING) host.settled(rec, null, value === undefined ? up.draft : value);
}

function upgraded(up: Upgrade, err: unknown, value: unknown): void {
  if (err !== null) rollBack(up.host, up.rec, up.from, up.to.version, err);
  else up.host.settled(up.rec, null, value === undefined ? up.draft : value);
}

function rollBack(host: UpgradeHost, rec: ProcRecord, from: ModuleEntry, failed: number, err: unknown): void {
  if (rec.instance) Object.setPrototypeOf(rec.instance, from.cls.prototype);
  rec.module = host.modules.pin(from, failed);
  host.logger.error(
    `process '${rec.name}' (${rec.moduleName}) stays on version ${from.version}: its upgrade to version ${failed} failed (${describeReason(toExitReason(err))}); ` +
      `its state is as before the upgrade and it goes on with version ${from.version}. Fix processWillUpgrade (or the module) and load a newer version: it upgrades then.`,
    about(rec),
  );
  host.settled(rec, null, undefined);
}

/** A copy of `state` for the hook (so a failing hook leaves the state as it was); the state itself when it is not data. */
function draftOf(state: unknown): unknown {
  try {
    return copyData(state, 'state');
  } catch {
    return state;
  }
}

function isLive(up: Upgrade): boolean {
  return up.rec.status < ENDING;
}
