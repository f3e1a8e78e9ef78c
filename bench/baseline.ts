/** Raw in-process baselines, measured in the same run as hypernode's figures. */

/** Two plain functions bouncing a small object through microtasks. */
export function microtaskPingPong(roundTrips: number): Promise<number> {
  return new Promise((resolve) => {
    let left = roundTrips;
    const t = performance.now();
    const ping = (m: { type: string; n: number }) => {
      if (--left === 0) return resolve(roundTrips / ((performance.now() - t) / 1000));
      queueMicrotask(() => pong({ type: 'PING', n: m.n + 1 }));
    };
    const pong = (m: { type: string; n: number }) => queueMicrotask(() => ping({ type: 'PONG', n: m.n }));
    ping({ type: 'GO', n: 0 });
  });
}

/**
 * A plain array mailbox: one producer pushes bursts of `burst` small objects, one consumer drains them,
 * taking turns through microtasks (the same rhythm as the hypernode benchmark). With `burst` equal to
 * `count`, the producer fills the mailbox completely before the consumer drains it.
 */
export function arrayMailbox(count: number, burst = count): Promise<number> {
  return new Promise((resolve) => {
    let box: { type: string; n: number }[] = [];
    let sent = 0;
    let seen = 0;
    const t = performance.now();
    const produce = () => {
      const end = Math.min(count, sent + burst);
      for (let i = sent; i < end; i++) box.push({ type: 'M', n: i });
      sent = end;
      queueMicrotask(consume);
    };
    const consume = () => {
      const items = box;
      box = [];
      for (let i = 0; i < items.length; i++) if (items[i]!.n >= 0) seen++;
      if (seen === count) resolve(count / ((performance.now() - t) / 1000));
      else queueMicrotask(produce);
    };
    produce();
  });
}

/** Creating a small record and indexing it in a Map: the least a spawn can cost. */
export function mapInsert(count: number): number {
  const m = new Map<string, { name: string; state: unknown }>();
  const t = performance.now();
  for (let i = 0; i < count; i++) {
    const name = `w1:${i.toString(36)}`;
    m.set(name, { name, state: { i } });
  }
  return count / ((performance.now() - t) / 1000);
}
