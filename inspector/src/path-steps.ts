/**
 * A request's recorded path in domain words: the microsteps one event caused are grouped into one step
 * ("alpha: provider_error 503 → fail over to beta"), with the facts it was labelled from (provider, error
 * type, status, Retry-After, decision, delay, validation issue), the states it passed and the transitions it
 * took. Pure: no DOM, so the words are tested in Node and drawn by the path view.
 */
import type { WireTransition } from '../../src/inspect/protocol.js';
import { activeStateIds } from './layout-input.js';
import type { PathStep, StepContext } from './store.js';

/** One step of the path, in domain terms. */
export interface DomainStep {
  index: number;
  at: number;
  /** Ms since the request started. */
  offsetMs: number;
  /** The whole sentence. */
  label: string;
  provider?: string | undefined;
  errorType?: string | undefined;
  status?: number | undefined;
  retryAfterMs?: number | undefined;
  /** What the lifecycle did: `fail over`, `back off`, `retry`, `re-prompt`, `succeeded`, … */
  decision: string;
  delayMs?: number | undefined;
  issue?: string | undefined;
  /** Innermost state after the step (`active.selecting` → the id `request.active.selecting`, …). */
  leaf: string;
  /** State ids active after the step, outermost first. */
  active: string[];
  /** State ids the step passed through (entered), in order. */
  visited: string[];
  transitions: WireTransition[];
  /** True for the first step that left the primary path (degraded, failed, or failed over). */
  leftPrimary: boolean;
}

interface SerializedError {
  type?: string;
  status?: number;
  retryAfterMs?: number;
  provider?: string;
  code?: string;
  message?: string;
}

/** Decisions the cause already says (`select alpha` is followed by preparing it). */
const QUIET = new Set(['call', 'prepare', 'validate']);

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`);

/** The state name at the end of an id: `request.active.selecting` → `selecting`. */
const last = (id: string) => id.slice(id.lastIndexOf('.') + 1);

function errorOf(detail: unknown): SerializedError | undefined {
  // An actor's rejection travels as `error`, a failed step's (`prepare.failed`) as `failure`.
  const d = detail as
    | { error?: { error?: SerializedError } & SerializedError; failure?: { error?: SerializedError } }
    | undefined;
  const error = d?.error?.error ?? d?.failure?.error ?? d?.error;
  return error && typeof error === 'object' ? error : undefined;
}

function outputOf(detail: unknown): Record<string, unknown> {
  const output = (detail as { output?: unknown } | undefined)?.output;
  return output && typeof output === 'object' ? (output as Record<string, unknown>) : {};
}

/** What the lifecycle decided, from the states a step entered. */
function decisionOf(visited: string[], leaf: string): string {
  const names = visited.map(last);
  const afterDeciding = names.includes('deciding') ? names.slice(names.indexOf('deciding') + 1) : names;
  for (const name of afterDeciding) {
    switch (name) {
      case 'selecting':
        // From `deciding` straight to `selecting`: the provider is left for the rest of the call.
        if (names.includes('deciding')) return 'fail over';
        break;
      case 'backingOff':
        return 'back off';
      case 'reprompting':
        return 're-prompt';
      case 'rewriting':
        return 'rewrite the prompt';
      case 'preparing':
        return names.includes('deciding') ? 'truncate' : 'prepare';
      case 'validating':
        return 'validate';
      case 'attempting':
      case 'streaming':
        return names.includes('deciding') ? 'retry' : 'call';
      case 'choosing':
      case 'degrading':
        return 'degrade';
      case 'cache':
        return 'try the cache';
      case 'simplified':
        return 'try the simplified prompt';
      case 'fallback':
        return 'answer with the static fallback';
      case 'storing':
        return 'store in the cache';
      case 'succeeded':
        return 'succeeded';
      case 'failed':
        return 'fail';
      default:
    }
  }
  return last(leaf) || 'start';
}

/** Groups a recorded path by the event that caused each microstep. */
function groups(path: readonly PathStep[]): PathStep[][] {
  const out: PathStep[][] = [];
  for (const [i, step] of path.entries()) {
    const group = out.at(-1);
    const prev = path[i - 1];
    if (group && prev && i > 0 && step.detail !== undefined && step.detail === prev.detail) group.push(step);
    else out.push([step]);
  }
  return out;
}

function cause(event: string, detail: unknown, context: StepContext | undefined, prevLeaf: string): string {
  const error = errorOf(detail);
  const output = outputOf(detail);
  const provider = error?.provider ?? context?.provider;
  if (event === 'xstate.init' || event === '') return 'request received';
  if (event === 'select.done') {
    const chosen = (output.provider as { id?: string } | undefined)?.id;
    const skipped = (output.skipped as Array<{ provider: string; code?: string }> | undefined) ?? [];
    const skips = skipped.map((s) => `skip ${s.provider} (${(s.code ?? 'unavailable').replace(/_/g, ' ')})`);
    return [...skips, chosen ? `select ${chosen}` : 'no provider can take the call'].join(', ');
  }
  if (event === 'prepare.done')
    return `call ${context?.provider ?? 'provider'}${output.truncated === true ? ' (request truncated to fit)' : ''}`;
  if (event === 'attempt.done' || event === 'stream.end') return `${provider ?? 'provider'} answered`;
  if (event === 'validate.failed' || event === 'validate.done') {
    if (error || context?.lastValidation) return `${provider ?? 'provider'}: invalid_response`;
    return 'answer valid';
  }
  if (event.startsWith('xstate.error.actor.') || event === 'prepare.failed' || event === 'attempt.failed') {
    const parts = [`${provider ?? 'provider'}: ${error?.type ?? 'error'}`];
    if (error?.status !== undefined) parts.push(String(error.status));
    if (error?.retryAfterMs !== undefined) parts.push(`(Retry-After ${ms(error.retryAfterMs)})`);
    return parts.join(' ');
  }
  if (event.includes('attemptTimeout')) return `${provider ?? 'provider'}: timeout (attempt deadline)`;
  if (event.includes('firstTokenTimeout')) return `${provider ?? 'provider'}: timeout (no first token)`;
  if (event.includes('idleTimeout')) return `${provider ?? 'provider'}: timeout (stream idle)`;
  if (event.includes('totalDeadline')) return 'total deadline passed';
  if (event.includes('backoffDelay'))
    return `waited ${ms(context?.backoffMs ?? 0)}, call ${provider ?? 'provider'} again`;
  if (event === 'xstate.done.actor.readCache')
    return output.hit !== null && output.hit !== undefined ? 'cache hit' : 'cache miss';
  if (event === 'xstate.done.actor.callSimplified')
    return output.answer ? 'simplified prompt answered' : 'simplified prompt got no answer';
  if (event === 'xstate.done.actor.writeCache') return 'answer stored';
  if (event === 'request.abort') return 'caller aborted';
  if (event === 'stream.token') return 'token received';
  return `${event} in ${last(prevLeaf)}`;
}

/** The path of a request in domain steps; `idByPath` resolves state values to the chart's state ids. */
export function buildDomainSteps(path: readonly PathStep[], idByPath: Map<string, string>): DomainStep[] {
  const first = path[0]?.at ?? 0;
  const out: DomainStep[] = [];
  const grouped = groups(path);
  let prevLeaf = '';
  let left = false;
  for (const [index, group] of grouped.entries()) {
    const head = group[0] as PathStep;
    const tail = group.at(-1) as PathStep;
    const active = activeStateIds(tail.value, idByPath);
    const leaf = active.at(-1) ?? '';
    const transitions = group.flatMap((s) => s.transitions);
    const visited = transitions.flatMap((t) => t.targets);
    if (index === 0) visited.push(...active);
    const error = errorOf(head.detail);
    const context = tail.context;
    const decision = index === 0 ? 'start' : decisionOf(visited, leaf);
    let label = cause(head.event, head.detail, context, prevLeaf);
    const issue = head.event === 'validate.failed' ? (context?.lastValidation ?? error?.message) : undefined;
    if (issue) label += ` (${issue})`;
    let delayMs: number | undefined;
    if (decision === 'back off') delayMs = context?.backoffMs;
    if (index > 0 && !QUIET.has(decision) && !label.endsWith(decision)) {
      let then = decision;
      if (decision === 'fail over') {
        const next = grouped.slice(index + 1).find((g) => g[0]?.event === 'select.done')?.[0]?.detail;
        const to = (outputOf(next).provider as { id?: string } | undefined)?.id;
        if (to) then = `fail over to ${to}`;
      }
      if (delayMs !== undefined) then += ` ${ms(delayMs)}`;
      label += ` → ${then}`;
    }
    const degraded = visited.some((id) => /\.degrading\b|^request\.failed$/.test(id));
    const leftNow = !left && (degraded || decision === 'fail over');
    if (leftNow) left = true;
    out.push({
      index,
      at: head.at,
      offsetMs: head.at - first,
      label,
      provider: error?.provider ?? context?.provider,
      errorType: error?.type,
      status: error?.status,
      retryAfterMs: error?.retryAfterMs,
      decision,
      delayMs,
      issue,
      leaf,
      active,
      visited,
      transitions,
      leftPrimary: leftNow,
    });
    prevLeaf = leaf;
  }
  return out;
}
