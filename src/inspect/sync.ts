/**
 * The late-join snapshot: what a page needs to draw an app exactly as a page open from the start draws it,
 * kept by the app's bridge and sent as a `sync` frame with every info report. It holds the latest snapshot
 * and the state history of every breaker (few, long-lived actors whose early events the relay's bounded
 * history forgets), the answers by source per time bucket, and the client's inspection mode.
 *
 * `seq` is the bridge's last sequence number the frame reflects: a page ignores breaker snapshots and
 * answer counts of events with a `seq` at or below it (they are already in the frame), so frames and event
 * batches can arrive in any order and nothing is counted twice.
 */
import type { InspectMode, SyncBreaker, SyncMessage, SyncSourceBucket, WireEvent } from './protocol.js';

/** Length of an answers-by-source bucket, ms. */
export const SOURCE_BUCKET_MS = 2_000;
/** Buckets kept (3 minutes). */
export const SOURCE_BUCKETS = 90;
/** Breaker state changes kept per breaker. */
export const BREAKER_HISTORY = 200;

export type { InspectMode, SyncBreaker, SyncMessage, SyncSourceBucket } from './protocol.js';

/** A state value as one line: `closed`, `active.attempting`. */
export function stateText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return '';
  return Object.entries(value)
    .map(([k, v]) => {
      const inner = stateText(v);
      return inner ? `${k}.${inner}` : k;
    })
    .join(' | ');
}

/** The answer source of a finished request's snapshot (`failed` for a failure), else undefined. */
export function answerSourceOf(event: WireEvent): string | undefined {
  if (event.kind === 'fast') return 'primary';
  if (event.kind !== 'snapshot' || event.status === undefined || event.status === 'active') return undefined;
  const output = event.output as { status?: unknown; answer?: { source?: unknown } } | undefined;
  if (output?.status === 'succeeded' && typeof output.answer?.source === 'string')
    return output.answer.source;
  return output?.status === 'failed' || event.status === 'error' ? 'failed' : undefined;
}

/** Adds one answer to bucketed counts (shared by the bridge and the page, so both count alike). */
export function countSource(buckets: SyncSourceBucket[], at: number, source: string): void {
  const start = Math.floor(at / SOURCE_BUCKET_MS) * SOURCE_BUCKET_MS;
  let bucket = buckets.at(-1);
  if (!bucket || bucket.start < start) {
    bucket = { start, counts: {} };
    buckets.push(bucket);
    if (buckets.length > SOURCE_BUCKETS) buckets.shift();
  } else if (bucket.start > start) {
    bucket = buckets.find((b) => b.start === start);
    if (!bucket) return;
  }
  bucket.counts[source] = (bucket.counts[source] ?? 0) + 1;
}

/** The bridge's side: observes serialized events and builds sync frames. */
export class SyncState {
  private readonly breakers = new Map<string, SyncBreaker>();
  private readonly sources: SyncSourceBucket[] = [];
  private seq = 0;
  mode: InspectMode | undefined;

  /** Starts tracking a breaker actor. */
  trackBreaker(actor: string, def: string): void {
    if (!this.breakers.has(actor)) this.breakers.set(actor, { actor, def, snapshot: undefined, history: [] });
  }

  /** True when `actor` is a tracked breaker. */
  isBreaker(actor: string): boolean {
    return this.breakers.has(actor);
  }

  /** Folds one serialized event in. */
  observe(event: WireEvent): void {
    this.seq = Math.max(this.seq, event.seq);
    const breaker = this.breakers.get(event.actor);
    if (breaker && event.kind === 'snapshot') {
      breaker.snapshot = event;
      const state = stateText(event.value);
      if (breaker.history.at(-1)?.state !== state) {
        breaker.history.push({ at: event.at, state });
        if (breaker.history.length > BREAKER_HISTORY) breaker.history.shift();
      }
      if (event.status === 'stopped') this.breakers.delete(event.actor);
      return;
    }
    const source = answerSourceOf(event);
    if (source !== undefined) countSource(this.sources, event.at, source);
  }

  /** Notes a sequence number used by an event that was not kept (dropped on a full buffer). */
  skip(seq: number): void {
    this.seq = Math.max(this.seq, seq);
  }

  /** The frame to send now. */
  frame(now: number): SyncMessage {
    const frame: SyncMessage = {
      t: 'sync',
      now,
      seq: this.seq,
      breakers: [...this.breakers.values()],
      sources: this.sources,
    };
    if (this.mode) frame.mode = this.mode;
    return frame;
  }
}
