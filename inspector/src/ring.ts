/**
 * A drop-oldest ring buffer for the page: the timeline keeps the newest entries and forgets the rest.
 */

/** A fixed-capacity buffer that overwrites its oldest item when full. */
export class Ring<T> {
  private readonly items: Array<T | undefined>;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  /** Items held. */
  get size(): number {
    return this.count;
  }

  /** Adds an item, forgetting the oldest when full. */
  push(item: T): void {
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = item;
      this.count++;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Up to `max` newest items matching `keep`, newest first. */
  newest(max: number, keep: (item: T) => boolean = () => true): T[] {
    const out: T[] = [];
    for (let i = this.count - 1; i >= 0 && out.length < max; i--) {
      const item = this.items[(this.start + i) % this.capacity] as T;
      if (keep(item)) out.push(item);
    }
    return out;
  }
}
