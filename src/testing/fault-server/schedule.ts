/**
 * The deterministic fault schedule: the fault a request gets is a pure function of (seed, provider,
 * request id, attempt) and the scenario, so a failing run replays exactly.
 */
import type { Fault, FaultContext, FaultRule, FaultScenario, ProviderScenario } from './types.js';

/** 32-bit FNV-1a of a string, then a murmur-style finalizer for better avalanche. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) drawn from the parts; same parts, same number. */
export function unitDraw(...parts: ReadonlyArray<string | number>): number {
  return hash32(parts.join('\u001f')) / 0x1_0000_0000;
}

/** The number at the end of a request id (`req-700` → 700), or undefined. */
export function requestNumber(requestId: string): number | undefined {
  const match = /(\d+)$/.exec(requestId);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function matchesIds(rule: FaultRule, requestId: string): boolean {
  const ids = rule.requestIds;
  if (ids === undefined) return true;
  if (ids.length === 2 && typeof ids[0] === 'number' && typeof ids[1] === 'number') {
    const n = requestNumber(requestId);
    return n !== undefined && n >= ids[0] && n <= ids[1];
  }
  return (ids as readonly unknown[]).includes(requestId);
}

function ruleApplies(rule: FaultRule, index: number, ctx: FaultContext): boolean {
  if (!matchesIds(rule, ctx.requestId)) return false;
  if (rule.attempts !== undefined && !rule.attempts.includes(ctx.attempt)) return false;
  const rate = rule.rate ?? 1;
  if (rate >= 1) return true;
  return unitDraw(ctx.seed, ctx.provider, ctx.requestId, ctx.attempt, index) < rate;
}

function toFault(rule: FaultRule): Fault {
  const fault: Fault = { kind: rule.kind };
  if (rule.retryAfterS !== undefined) fault.retryAfterS = rule.retryAfterS;
  if (rule.afterDeltas !== undefined) fault.afterDeltas = rule.afterDeltas;
  if (rule.afterToolFrames !== undefined) fault.afterToolFrames = rule.afterToolFrames;
  if (rule.delayMs !== undefined) fault.delayMs = rule.delayMs;
  return fault;
}

/** The scenario entry for a provider: its own, else the `'*'` entry, else none. */
export function providerScenario(scenario: FaultScenario | undefined, provider: string): ProviderScenario {
  if (scenario === undefined || typeof scenario === 'function') return {};
  return scenario[provider] ?? scenario['*'] ?? {};
}

/** The fault a request gets under `scenario`, or undefined for a normal answer. Pure. */
export function pickFault(scenario: FaultScenario | undefined, ctx: FaultContext): Fault | undefined {
  if (typeof scenario === 'function') return scenario(ctx);
  const faults = providerScenario(scenario, ctx.provider).faults;
  if (faults === undefined) return undefined;
  if (typeof faults === 'function') return faults(ctx);
  for (const [index, rule] of faults.entries()) {
    if (ruleApplies(rule, index, ctx)) return toFault(rule);
  }
  return undefined;
}
