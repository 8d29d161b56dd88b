/**
 * Turns a machine definition (`machine.toJSON()` completed by the bridge) into the input of an elkjs
 * layout: one node per state (compound and parallel states hold their children), an initial marker per
 * compound state, an "any state" marker for transitions declared on a parent that target its own
 * descendants, and one labelled edge per transition with a target ("event [guard]", "after delay",
 * "done: actor", "always [guard]"). Transitions without a target stay inside their state as a note.
 */

/** The parts of a state's JSON the layout reads. */
export interface StateJson {
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  description?: string;
  initial?: { target?: string[] };
  states?: Record<string, StateJson>;
  transitions?: TransitionJson[];
  always?: TransitionJson[];
  invoke?: Array<{ id: string; src: string }>;
}

/** The parts of a transition's JSON the layout reads. */
export interface TransitionJson {
  eventType: string;
  source: string;
  target?: string[];
  guard?: string;
  delay?: string | number;
  actions?: string[];
}

/** An elkjs node or graph (the subset used here). */
export interface ElkInputNode {
  id: string;
  width?: number;
  height?: number;
  layoutOptions?: Record<string, string>;
  labels?: Array<{ text: string; width: number; height: number }>;
  children?: ElkInputNode[];
  edges?: ElkInputEdge[];
}

/** An elkjs edge. */
export interface ElkInputEdge {
  id: string;
  sources: string[];
  targets: string[];
  labels?: Array<{ text: string; width: number; height: number }>;
}

/** What the diagram knows about each state node. */
export interface NodeInfo {
  id: string;
  kind: 'state' | 'initial' | 'any';
  label: string;
  type: StateJson['type'] | 'pseudo';
  description: string;
  /** Targetless transitions, as text. */
  notes: string[];
}

/** The layout input and the indexes the diagram needs to highlight it. */
export interface LayoutInput {
  graph: ElkInputNode;
  nodes: Map<string, NodeInfo>;
  /** Edge ids by transition key (see {@link transitionKey}). */
  edgesByTransition: Map<string, string[]>;
  /** State ids by path of keys from the root (`active.attempting`). */
  idByPath: Map<string, string>;
}

const CHAR_W = 6.6;
const LINE_H = 14;

/** Approximate label box for monospace-ish 11px text. */
export function textBox(text: string): { text: string; width: number; height: number } {
  return { text, width: Math.ceil(text.length * CHAR_W) + 6, height: LINE_H + 2 };
}

/** The key of a transition for highlighting: source, event, guard and targets. */
export function transitionKey(
  source: string,
  event: string,
  guard: string | undefined,
  targets: string[],
): string {
  return `${source}|${event}|${guard ?? ''}|${targets.join(',')}`;
}

const strip = (ref: string) => (ref.startsWith('#') ? ref.slice(1) : ref);

/** A short label for an event type: `after openDuration`, `done: readCache`, `always`. */
export function eventLabel(t: TransitionJson, invokes: Map<string, string>): string {
  const e = t.eventType;
  if (e === '') return 'always';
  if (e.startsWith('xstate.after.')) return `after ${t.delay ?? e.split('.')[2]}`;
  for (const prefix of ['xstate.done.actor.', 'xstate.error.actor.', 'xstate.snapshot.']) {
    if (e.startsWith(prefix)) {
      const id = e.slice(prefix.length);
      const word =
        prefix === 'xstate.done.actor.' ? 'done' : prefix === 'xstate.error.actor.' ? 'error' : 'snapshot';
      return `${word}: ${invokes.get(id) ?? id}`;
    }
  }
  if (e.startsWith('xstate.done.state.')) return 'done';
  return e;
}

function isDescendant(id: string, ancestor: string): boolean {
  return id.startsWith(`${ancestor}.`);
}

/**
 * Builds the elkjs input for a machine definition, laid out top-down or left-to-right. States in `collapsed`
 * are drawn as one box: their descendants are left out and transitions to or from them end at the box.
 */
export function buildLayoutInput(
  root: StateJson,
  direction: 'DOWN' | 'RIGHT' = 'DOWN',
  collapsed: ReadonlySet<string> = new Set(),
): LayoutInput {
  const nodes = new Map<string, NodeInfo>();
  const edgesByTransition = new Map<string, string[]>();
  const idByPath = new Map<string, string>();
  const invokes = new Map<string, string>();
  const edges: ElkInputEdge[] = [];
  const all: StateJson[] = [];

  const collect = (state: StateJson, path: string) => {
    all.push(state);
    idByPath.set(path, state.id);
    for (const inv of state.invoke ?? []) invokes.set(inv.id, inv.src);
    for (const [key, child] of Object.entries(state.states ?? {}))
      collect(child, path ? `${path}.${key}` : key);
  };
  collect(root, '');

  // States with a transition into their own descendants get an "any state" marker inside them.
  const needsAny = new Set<string>();
  for (const state of all) {
    for (const t of [...(state.transitions ?? []), ...(state.always ?? [])]) {
      const targets = (t.target ?? []).map(strip);
      if (targets.length > 0 && targets.every((target) => isDescendant(target, state.id)))
        needsAny.add(state.id);
    }
  }

  const build = (state: StateJson): ElkInputNode[] => {
    const out: ElkInputNode[] = [];
    const children = Object.values(state.states ?? {});
    if (needsAny.has(state.id)) {
      const id = `${state.id}::any`;
      nodes.set(id, {
        id,
        kind: 'any',
        label: 'any state',
        type: 'pseudo',
        description: 'from any state',
        notes: [],
      });
      out.push({ id, width: 64, height: 22 });
    }
    if (state.type === 'compound' && state.initial?.target?.[0]) {
      const id = `${state.id}::initial`;
      nodes.set(id, {
        id,
        kind: 'initial',
        label: '',
        type: 'pseudo',
        description: 'initial state',
        notes: [],
      });
      out.push({ id, width: 14, height: 14 });
      edges.push({ id: `${id}->`, sources: [id], targets: [strip(state.initial.target[0])] });
    }
    for (const child of children) {
      const notes = [...(child.transitions ?? []), ...(child.always ?? [])]
        .filter((t) => !t.target || t.target.length === 0)
        .map((t) => {
          const guard = t.guard ? ` [${t.guard}]` : '';
          const actions = t.actions?.length ? ` / ${t.actions.join(', ')}` : '';
          return `${eventLabel(t, invokes)}${guard}${actions}`;
        });
      const info: NodeInfo = {
        id: child.id,
        kind: 'state',
        label: child.key,
        type: child.type,
        description: child.description ?? '',
        notes,
      };
      nodes.set(child.id, info);
      const label = textBox(child.key);
      const folded = collapsed.has(child.id) && Object.keys(child.states ?? {}).length > 0;
      if (folded) info.notes = [...notes, 'collapsed: click to expand'];
      if (!folded && (child.type === 'compound' || child.type === 'parallel')) {
        out.push({
          id: child.id,
          labels: [label],
          layoutOptions: {
            'elk.padding': '[top=28,left=12,bottom=12,right=12]',
            'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT',
            ...(child.type === 'parallel' ? { 'elk.direction': 'RIGHT' } : {}),
          },
          children: build(child),
        });
      } else {
        const noteLine = notes.length > 0 ? textBox(`${notes.length} internal`) : undefined;
        out.push({
          id: child.id,
          width: Math.max(label.width, noteLine?.width ?? 0, 70) + 16,
          height: noteLine ? 44 : 30,
        });
      }
    }
    return out;
  };

  const topChildren = build(root);
  // An end inside a collapsed state moves to the outermost collapsed ancestor.
  const visible = (id: string): string => {
    let shown = id;
    for (const c of collapsed) if (isDescendant(id, c) && shown.length > c.length) shown = c;
    return shown;
  };
  let n = 0;
  for (const state of all) {
    for (const t of [...(state.transitions ?? []), ...(state.always ?? [])]) {
      const targets = (t.target ?? []).map(strip);
      if (targets.length === 0) continue;
      const source = strip(t.source);
      // A parent's transition into its own descendants starts from its "any state" marker.
      const inner = needsAny.has(source) && targets.every((target) => isDescendant(target, source));
      const from = visible(inner ? `${source}::any` : source);
      if (!nodes.has(from) && from !== root.id) continue;
      const text = `${eventLabel(t, invokes)}${t.guard ? ` [${t.guard}]` : ''}`;
      for (const target of targets) {
        const to = visible(target);
        if (to === from && to !== target) continue; // inside a collapsed state
        const id = `e${n++}`;
        edges.push({ id, sources: [from], targets: [to], labels: [textBox(text)] });
        const key = transitionKey(source, t.eventType, t.guard, targets);
        edgesByTransition.set(key, [...(edgesByTransition.get(key) ?? []), id]);
      }
    }
  }

  return {
    graph: {
      id: root.id,
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': direction,
        'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
        'elk.layered.spacing.nodeNodeBetweenLayers': '36',
        'elk.spacing.nodeNode': '24',
        'elk.spacing.edgeLabel': '2',
        'elk.edgeLabels.inline': 'false',
        'elk.layered.edgeLabels.sideSelection': 'ALWAYS_UP',
      },
      children: topChildren,
      edges,
    },
    nodes,
    edgesByTransition,
    idByPath,
  };
}

/** The ids of the active states for a snapshot value (`{ active: 'attempting' }`), outermost first. */
export function activeStateIds(value: unknown, idByPath: Map<string, string>): string[] {
  const out: string[] = [];
  const visit = (v: unknown, path: string) => {
    if (typeof v === 'string') {
      const id = idByPath.get(path ? `${path}.${v}` : v);
      if (id) out.push(id);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    for (const [key, child] of Object.entries(v)) {
      const p = path ? `${path}.${key}` : key;
      const id = idByPath.get(p);
      if (id) out.push(id);
      visit(child, p);
    }
  };
  visit(value, '');
  return out;
}
