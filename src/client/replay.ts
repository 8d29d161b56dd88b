/**
 * What the fast path hands the statechart (see `fast-path.ts`): the first attempt as it ran, replayed step by
 * step as the machine reaches each step. Which steps are still to replay is one field, `stage`, moved on only
 * by {@link takeReplay}.
 */
import type { AttemptRecord, ProviderRef } from '../../machines/request-types.js';
import type { BreakerPermit } from '../breaker/types.js';
import type { LLMError } from '../errors/llm-error.js';
import type { LLMRequest, ProviderResult } from '../types.js';
import type { ProviderEntry } from './registry.js';

/** The next step the statechart replays, in order; `taken` once the attempt itself was adopted. */
export type ReplayStage = 'selection' | 'preparation' | 'attempt' | 'taken';

const NEXT: Readonly<Record<ReplayStage, ReplayStage>> = {
  selection: 'preparation',
  preparation: 'attempt',
  attempt: 'taken',
  taken: 'taken',
};

/** The first attempt as the fast path ran it, for the statechart to take over. */
export interface Replay {
  readonly entry: ProviderEntry;
  readonly provider: ProviderRef;
  readonly alternatives: number;
  /** Providers skipped while selecting (circuit open, cooling down), and the first breaker refusal met. */
  readonly skips: readonly AttemptRecord[];
  readonly refusal: LLMError | undefined;
  /** When the provider was selected and the attempt started (one instant on the fast path). */
  readonly startedAt: number;
  readonly request: LLMRequest;
  readonly permit: BreakerPermit;
  /** The attempt: still running, or settled. */
  readonly outcome: Promise<ProviderResult>;
  /** Aborts the provider's signal; the adopting actor forwards its own stop to it. */
  readonly controller: AbortController;
  /** The next step to replay. */
  stage: ReplayStage;
  /** A caller or client abort that arrived on the fast path, for the statechart to receive. */
  abort: { at: number; reason?: string } | undefined;
}

/** The replay when `stage` is the step it is at (moving it on to the next step), else undefined. */
export function takeReplay(
  replay: Replay | undefined,
  stage: Exclude<ReplayStage, 'taken'>,
): Replay | undefined {
  if (replay === undefined || replay.stage !== stage) return undefined;
  replay.stage = NEXT[stage];
  return replay;
}
