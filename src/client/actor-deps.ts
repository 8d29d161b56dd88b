/**
 * What the lifecycle's actors share: their dependencies on the client, the rejection value the machine
 * understands, the call scope lookup and provider error classification. Below `actors.ts`, `attempt.ts`,
 * `simplified.ts` and `stream-actor.ts`, which all use it.
 */
import type { ActorFailure } from '../../machines/request-types.js';
import type { Clock } from '../clock.js';
import { LLMError } from '../errors/llm-error.js';
import type { ResolvedOptions } from './options.js';
import type { ProviderEntry, ProviderRegistry } from './registry.js';
import type { CallScope } from './scope.js';

/** What the actors need from the client. */
export interface ActorDeps {
  options: ResolvedOptions;
  registry: ProviderRegistry;
  scopes: Map<string, CallScope>;
  clock: Clock;
}

/** Builds the rejection value the machine understands, remembering the original error on the scope. */
export function fail(
  deps: ActorDeps,
  scope: CallScope | undefined,
  error: LLMError,
  validation?: string,
): ActorFailure {
  if (scope) scope.lastError = error;
  // The draw for a possible backoff's jitter: randomness enters the machine as data on its events.
  const failure: ActorFailure = { error: error.toJSON(), at: deps.clock.now(), draw: deps.options.random() };
  if (validation !== undefined) failure.validation = validation;
  return failure;
}

export function scopeOf(deps: ActorDeps, requestId: string): CallScope {
  const scope = deps.scopes.get(requestId);
  if (!scope) throw new LLMError({ type: 'unknown', message: `No call in flight with id ${requestId}` });
  return scope;
}

/** Classifies a provider's throw, preferring the provider's own classifier. */
export function classifyFor(entry: ProviderEntry, thrown: unknown): LLMError {
  const own = entry.provider.classify?.(thrown);
  const error = own ?? entry.classify(thrown);
  return error.provider === undefined ? error.with({ provider: entry.provider.id }) : error;
}
