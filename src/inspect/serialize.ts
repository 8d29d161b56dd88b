/**
 * Serializes xstate inspection events at the moment they happen (snapshots are immutable, but contexts can
 * hold mutable things, and the page must see the state as it was). Only actors that run state machines are
 * kept — their invoked promise actors are summarized by the `xstate.done/error.actor` events the machine
 * receives — and built-in actions are left out.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { describeMachine, guardName, isMachineLogic, type MachineDefinition } from './definition.js';
import type { WireEvent, WireTransition } from './protocol.js';
import { errorToJson, type SafeJsonOptions, toSafeJson } from './redact.js';

interface ActorInternals {
  id: string;
  sessionId: string;
  logic?: unknown;
}

interface TransitionInternals {
  eventType: string;
  source?: { id: string; path?: readonly string[] };
  target?: ReadonlyArray<{ id: string }>;
  guard?: unknown;
}

/**
 * Per actor, the event its microsteps are currently about: the last one sent to it, or the last one it
 * raised. A microstep about another event is about a raised one, which the page sees only this way.
 */
const currentEvent = new WeakMap<object, unknown>();

/** A state value from a state node's path: `['active', 'selecting']` → `{ active: 'selecting' }`. */
function valueOfPath(path: readonly string[]): unknown {
  let value: unknown = path.at(-1) ?? '';
  for (let i = path.length - 2; i >= 0; i--) value = { [path[i] as string]: value };
  return value;
}

/** The definition of the machine an actor runs, or undefined when it runs other logic. */
export function definitionOf(actorRef: unknown): MachineDefinition | undefined {
  const logic = (actorRef as ActorInternals | undefined)?.logic;
  return isMachineLogic(logic) ? describeMachine(logic) : undefined;
}

function transitionsOf(list: unknown): WireTransition[] {
  if (!Array.isArray(list)) return [];
  return (list as TransitionInternals[]).map((t) => {
    const wire: WireTransition = {
      source: t.source?.id ?? '',
      targets: (t.target ?? []).map((s) => s.id),
      event: t.eventType,
    };
    const guard = guardName(t.guard);
    if (guard !== undefined) wire.guard = guard;
    return wire;
  });
}

/**
 * The wire form of one inspection event, or undefined when it is not worth sending (non-machine actors,
 * actions). `seq` and `at` are the bridge's sequence number and clock reading.
 */
export function serializeInspectionEvent(
  inspection: InspectionEvent,
  seq: number,
  at: number,
  options: SafeJsonOptions,
): WireEvent | undefined {
  const ref = inspection.actorRef as unknown as ActorInternals;
  const definition = definitionOf(ref);
  if (!definition) return undefined;
  const base = {
    seq,
    at,
    actor: ref.sessionId,
    id: String(ref.id),
    root: inspection.rootId,
  };
  switch (inspection.type) {
    case '@xstate.actor':
      return { ...base, kind: 'actor', def: definition.key };
    case '@xstate.event': {
      currentEvent.set(ref, inspection.event);
      const event: WireEvent = {
        ...base,
        kind: 'event',
        type: inspection.event.type,
        event: toSafeJson(inspection.event, options),
      };
      const source = (inspection.sourceRef as AnyActorRef | undefined)?.sessionId;
      if (source !== undefined) event.source = source;
      return event;
    }
    case '@xstate.microstep': {
      const step: WireEvent = {
        ...base,
        kind: 'microstep',
        type: inspection.event.type,
        value: toSafeJson((inspection.snapshot as { value?: unknown }).value, options),
        transitions: transitionsOf(inspection._transitions),
      };
      if (!currentEvent.has(ref)) {
        // The actor's first microstep (the initial state is entered without one): where it started.
        const source = (inspection._transitions[0] as TransitionInternals | undefined)?.source?.path;
        if (source !== undefined) step.from = valueOfPath(source);
      }
      if (currentEvent.get(ref) !== inspection.event) {
        currentEvent.set(ref, inspection.event);
        step.event = toSafeJson(inspection.event, options);
      }
      return step;
    }
    case '@xstate.snapshot': {
      const snapshot = inspection.snapshot as {
        value?: unknown;
        status?: string;
        context?: unknown;
        error?: unknown;
        output?: unknown;
      };
      const event: WireEvent = {
        ...base,
        kind: 'snapshot',
        type: inspection.event.type,
        value: toSafeJson(snapshot.value, options),
        status: snapshot.status ?? 'active',
        context: toSafeJson(snapshot.context, options),
      };
      if (snapshot.error !== undefined)
        event.error =
          snapshot.error instanceof Error
            ? errorToJson(snapshot.error, options)
            : toSafeJson(snapshot.error, options);
      if (snapshot.output !== undefined) event.output = toSafeJson(snapshot.output, options);
      return event;
    }
    default:
      return undefined;
  }
}
