import type { Options } from 'amqplib';

/** A frame waiting to be published. */
export interface Outgoing {
  exchange: string;
  key: string;
  body: Buffer;
  opts: Options.Publish;
}

/**
 * Frames kept in memory, in order, while the connection is down or the socket pushes back, up to `maxBytes`
 * in all. Each is a copy: the caller may reuse its buffer.
 */
export class Outbox {
  private items: Outgoing[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Whether nothing waits. */
  get empty(): boolean {
    return this.head === this.items.length;
  }

  /** Keeps a copy of `frame`; false (nothing kept) when that would pass `maxBytes`. */
  add(exchange: string, key: string, frame: Uint8Array, opts: Options.Publish): boolean {
    if (this.bytes + frame.byteLength > this.maxBytes) return false;
    this.items.push({ exchange, key, body: Buffer.from(frame), opts });
    this.bytes += frame.byteLength;
    return true;
  }

  /**
   * Hands the frames, oldest first, to `publish` while `more()` holds, until `publish` returns false (the
   * frame stays, first in line). True when nothing is left.
   */
  drain(publish: (m: Outgoing) => boolean, more: () => boolean): boolean {
    const items = this.items;
    while (more() && this.head < items.length) {
      const m = items[this.head]!;
      if (!publish(m)) return false;
      items[this.head++] = undefined as never;
      this.bytes -= m.body.length;
    }
    if (this.head < items.length) return false;
    items.length = this.head = 0;
    return true;
  }

  /** Forgets every frame. */
  clear(): void {
    this.items = [];
    this.head = this.bytes = 0;
  }
}
