/**
 * Messages that outran their spawn: a process placed here by another worker may be sent to (by that worker's
 * processes, or by others it told the name) before its spawn envelope arrives, since envelopes from different
 * workers travel separately. Such messages are parked until the spawn comes; a name whose spawner's sequence
 * number was already seen has ended (or never will be), so messages to it are dead letters.
 */
import type { EndHooks } from './kernel-port';
import type { LiveLog } from './live-stats';
import type { Sender } from './mailbox';
import { spawnerOf, spawnSeqOf } from './wire';

/** The parked messages of one worker, and the spawns it has seen. */
export class Unborn implements EndHooks {
  /** Highest remote-spawn sequence seen per spawning worker: tells "not born yet" from "ended". */
  private readonly born = new Map<string, number>();
  /** Messages for processes whose spawn envelope has not arrived yet, by name: (sender, message) pairs. */
  private readonly parked = new Map<string, unknown[]>();

  /** `live` counts the messages dropped when a worker is lost. */
  constructor(private readonly live: LiveLog) {}

  /** Whether `name` (such as `w2:w1.5f`, spawned here by w1) names a process whose spawn has not arrived yet. */
  isUnborn(name: string): boolean {
    const seq = spawnSeqOf(name);
    return seq >= 0 && seq > (this.born.get(spawnerOf(name)) ?? 0);
  }

  /** Keeps a message for the unborn process `name`. */
  park(name: string, sender: Sender, message: unknown): void {
    const pairs = this.parked.get(name);
    if (pairs) pairs.push(sender, message);
    else this.parked.set(name, [sender, message]);
  }

  /** The spawn of `name` arrived: returns the messages parked for it (sender, message pairs), if any. */
  spawned(name: string): unknown[] | undefined {
    const seq = spawnSeqOf(name);
    if (seq >= 0) {
      const spawner = spawnerOf(name);
      if (seq > (this.born.get(spawner) ?? 0)) this.born.set(spawner, seq);
    }
    if (this.parked.size === 0) return undefined;
    const pairs = this.parked.get(name);
    if (pairs) this.parked.delete(name);
    return pairs;
  }

  /** Drops the messages parked for processes the lost worker was spawning here (dead letters): they will never be born. */
  workerLost(worker: string): void {
    for (const [name, pairs] of [...this.parked]) {
      if (spawnerOf(name) !== worker) continue;
      this.parked.delete(name);
      for (let i = 0; i < pairs.length; i += 2) {
        const sender = pairs[i] as Sender;
        this.live.deadLetter(typeof sender === 'string' ? sender : sender.from, name, 'worker-lost');
      }
    }
  }
}
