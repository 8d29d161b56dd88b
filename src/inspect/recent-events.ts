/**
 * The recent events a relay keeps per app for pages that connect later: bounded by count and by bytes
 * (each event's size is estimated from the frame it came in), trimmed in bulk so adding stays amortised O(1).
 */
import type { WireEvent } from './protocol.js';

/** The last events of one app, bounded by count and by (estimated) bytes. */
export class RecentEvents {
  private events: WireEvent[] = [];
  private sizes: number[] = [];
  private bytes = 0;

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.events.length;
  }

  /** Adds a batch's events, each `size` bytes, then drops the oldest beyond the bounds. */
  add(batch: readonly WireEvent[], size: number): void {
    for (const event of batch) {
      this.events.push(event);
      this.sizes.push(size);
      this.bytes += size;
    }
    if (this.events.length <= this.maxCount * 1.5 && this.bytes <= this.maxBytes) return;
    let drop = Math.max(0, this.events.length - this.maxCount);
    let bytes = this.bytes;
    for (let i = 0; i < drop; i++) bytes -= this.sizes[i] ?? 0;
    while (drop < this.events.length && bytes > this.maxBytes) bytes -= this.sizes[drop++] ?? 0;
    this.events = this.events.slice(drop);
    this.sizes = this.sizes.slice(drop);
    this.bytes = bytes;
  }

  list(): WireEvent[] {
    return this.events.slice(-this.maxCount);
  }
}
