/**
 * Ops commands from the inspector page, applied to a client: force a breaker open, disable or reset it,
 * re-rank or switch off a provider.
 */
import type { CircuitBreaker } from '../breaker/types.js';
import { type InspectorCommand, parseInspectorCommand, type WireProvider } from './protocol.js';

/**
 * The part of a client the inspector drives (a `ResilientLLM` is one). Written out here, so inspection
 * depends on the client's shape, not on the client module.
 */
export interface InspectableLLM {
  breaker(id: string): Pick<CircuitBreaker, 'forceOpen' | 'disable' | 'reset' | 'actor' | 'retryAfterMs'>;
  providers(): Array<{ id: string; priority: number; enabled: boolean; breaker: string }>;
  setProviderEnabled(id: string, enabled: boolean): void;
  setProviderPriority(id: string, priority: number): void;
}

/**
 * Applies one ops command to `llm`. Returns `false` for commands that are not ops commands (the demo's);
 * throws a `TypeError` for a malformed command and a `RangeError` for an unknown provider.
 *
 * @example
 * ```ts
 * bridge.onCommand((command) => applyInspectorCommand(llm, command));
 * ```
 */
export function applyInspectorCommand(llm: InspectableLLM, command: InspectorCommand | unknown): boolean {
  const parsed = parseInspectorCommand(command);
  switch (parsed.type) {
    case 'breaker.forceOpen':
      llm.breaker(parsed.provider).forceOpen();
      return true;
    case 'breaker.disable':
      llm.breaker(parsed.provider).disable();
      return true;
    case 'breaker.reset':
      llm.breaker(parsed.provider).reset();
      return true;
    case 'provider.setPriority':
      llm.setProviderPriority(parsed.provider, parsed.priority);
      return true;
    case 'provider.setEnabled':
      llm.setProviderEnabled(parsed.provider, parsed.enabled);
      return true;
    default:
      return false;
  }
}

/** The providers of `llm` as the breaker panel shows them, with each breaker's actor session id. */
export function describeProviders(llm: InspectableLLM): WireProvider[] {
  return llm.providers().map((p) => {
    const breaker = llm.breaker(p.id);
    return {
      id: p.id,
      priority: p.priority,
      enabled: p.enabled,
      breaker: p.breaker,
      breakerActor: breaker.actor.sessionId,
      retryAfterMs: breaker.retryAfterMs(),
    };
  });
}
