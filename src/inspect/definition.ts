/**
 * Machine definitions for the inspector page: `machine.toJSON()`, completed with what it leaves out —
 * eventless (`always`) transitions and the names of composite guards (`and([...])` serializes to nothing).
 * Computed once per machine object and keyed by content, so equal machines share one definition.
 */

/** A machine definition, ready to send: its key, the machine id and the JSON. */
export interface MachineDefinition {
  key: string;
  machineId: string;
  json: unknown;
}

interface TransitionLike {
  eventType: string;
  target?: ReadonlyArray<{ id: string }> | undefined;
  guard?: unknown;
  actions?: unknown;
  delay?: unknown;
  reenter?: boolean;
}

interface StateNodeLike {
  id: string;
  states: Record<string, StateNodeLike>;
  always?: TransitionLike[] | undefined;
  transitions: Map<string, TransitionLike[]>;
}

interface MachineLike {
  id: string;
  root: StateNodeLike;
  toJSON(): unknown;
}

/** True when `logic` is a state machine (it has a root state node and `toJSON`). */
export function isMachineLogic(logic: unknown): logic is MachineLike {
  return (
    typeof logic === 'object' &&
    logic !== null &&
    typeof (logic as MachineLike).toJSON === 'function' &&
    typeof (logic as MachineLike).root === 'object'
  );
}

/** A readable name for a guard: `name`, `{ type }`, or `and(a, b)` / `or(...)` / `not(...)`. */
export function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const inner = (guard as { guards?: unknown[]; guard?: unknown }).guards;
    const single = (guard as { guard?: unknown }).guard;
    if (Array.isArray(inner)) return `${guard.name}(${inner.map((g) => guardName(g) ?? '?').join(', ')})`;
    if (single !== undefined) return `${guard.name}(${guardName(single) ?? '?'})`;
    return guard.name || 'inline guard';
  }
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string')
    return (guard as { type: string }).type;
  return 'guard';
}

function actionNames(actions: unknown): string[] {
  const list = Array.isArray(actions) ? actions : actions === undefined ? [] : [actions];
  return list.map((a) =>
    typeof a === 'string'
      ? a
      : typeof a === 'function'
        ? a.name || 'inline'
        : String((a as { type?: unknown })?.type ?? 'action'),
  );
}

function transitionJson(node: StateNodeLike, t: TransitionLike): Record<string, unknown> {
  const json: Record<string, unknown> = {
    eventType: t.eventType,
    source: `#${node.id}`,
    actions: actionNames(t.actions),
    reenter: t.reenter ?? false,
  };
  if (t.target) json.target = t.target.map((s) => `#${s.id}`);
  const guard = guardName(t.guard);
  if (guard !== undefined) json.guard = guard;
  if (typeof t.delay === 'string' || typeof t.delay === 'number') json.delay = t.delay;
  return json;
}

function complete(node: StateNodeLike, json: Record<string, unknown>): void {
  json.transitions = [...node.transitions.values()].flat().map((t) => transitionJson(node, t));
  json.always = (node.always ?? []).map((t) => transitionJson(node, t));
  const children = (json.states ?? {}) as Record<string, Record<string, unknown>>;
  for (const [key, child] of Object.entries(node.states)) {
    const childJson = children[key];
    if (childJson) complete(child, childJson);
  }
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

const cache = new WeakMap<object, MachineDefinition>();

/** The definition of a machine (cached per machine object). */
export function describeMachine(machine: MachineLike): MachineDefinition {
  const cached = cache.get(machine);
  if (cached) return cached;
  const json = JSON.parse(JSON.stringify(machine.toJSON())) as Record<string, unknown>;
  complete(machine.root, json);
  const text = JSON.stringify(json);
  const definition = { key: `${machine.id}:${hash(text)}`, machineId: machine.id, json };
  cache.set(machine, definition);
  return definition;
}
