/**
 * A bounded FIFO buffer: pushes beyond capacity are refused (and counted by the caller), so memory stays
 * bounded and a full buffer costs nothing more per event.
 */

/** A fixed-capacity queue. */
export class RingBuffer<T> {
  private readonly items: Array<T | undefined>;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer >= 1');
    this.items = new Array(capacity);
  }

  /** Items held. */
  get size(): number {
    return this.count;
  }

  /** True when a push would be refused. */
  get full(): boolean {
    return this.count === this.capacity;
  }

  /** Adds `item` at the end; returns false (and keeps nothing) when full. */
  push(item: T): boolean {
    if (this.count === this.capacity) return false;
    this.items[(this.head + this.count) % this.capacity] = item;
    this.count++;
    return true;
  }

  /** Removes and returns up to `max` items from the front, oldest first. */
  take(max: number): T[] {
    const n = Math.min(max, this.count);
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.items[this.head] as T;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
    }
    this.count -= n;
    return out;
  }

  /** Drops everything. */
  clear(): void {
    this.take(this.count);
  }
}
