/**
 * Draws a statechart as SVG from its elkjs layout, highlights the active states, and animates the
 * transitions just taken. The root element carries `data-active` (innermost active state ids) so tests
 * and users can read what is highlighted.
 */
import type { WireTransition } from '../../src/inspect/protocol.js';
import { type ElkOutNode, layout } from './elk.js';
import {
  activeStateIds,
  buildLayoutInput,
  type LayoutInput,
  type StateJson,
  transitionKey,
} from './layout-input.js';

const SVG = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** One statechart diagram. */
export class StateDiagram {
  private input: LayoutInput | undefined;
  private defKey: string | undefined;
  private readonly nodeEls = new Map<string, SVGGElement>();
  private readonly edgeEls = new Map<string, SVGGElement>();
  private active: string[] = [];
  private flip = false;

  constructor(
    readonly root: HTMLElement,
    private readonly direction: 'DOWN' | 'RIGHT' = 'DOWN',
  ) {
    root.title = 'double-click: fit / actual size';
    root.addEventListener('dblclick', () => root.classList.toggle('zoomed'));
  }

  /** The key of the definition drawn, if any. */
  get definition(): string | undefined {
    return this.defKey;
  }

  /** State ids by path, for resolving snapshot values. */
  get idByPath(): Map<string, string> {
    return this.input?.idByPath ?? new Map();
  }

  /** Lays out and draws a machine definition (once per key). */
  async draw(key: string, json: unknown): Promise<void> {
    if (this.defKey === key) return;
    this.defKey = key;
    const input = buildLayoutInput(json as StateJson, this.direction);
    const laid = await layout(input.graph);
    if (this.defKey !== key) return;
    this.input = input;
    this.render(laid, input);
  }

  private render(graph: ElkOutNode, input: LayoutInput): void {
    this.nodeEls.clear();
    this.edgeEls.clear();
    const svg = el('svg', {
      viewBox: `0 0 ${graph.width ?? 100} ${graph.height ?? 100}`,
      class: 'diagram-svg',
    });
    const defs = el('defs', {});
    const marker = el('marker', {
      id: `arrow-${this.root.id}`,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }));
    defs.append(marker);
    svg.append(defs);
    const nodeLayer = el('g', {});
    const edgeLayer = el('g', {});
    svg.append(nodeLayer, edgeLayer);
    const absolute = new Map<string, { x: number; y: number }>([[graph.id, { x: 0, y: 0 }]]);

    const drawNode = (node: ElkOutNode, ox: number, oy: number) => {
      const x = ox + (node.x ?? 0);
      const y = oy + (node.y ?? 0);
      absolute.set(node.id, { x, y });
      const info = input.nodes.get(node.id);
      const g = el('g', {
        class: `node ${info?.kind ?? 'state'} ${info?.type ?? ''}`,
        'data-state-id': node.id,
      });
      const w = node.width ?? 0;
      const h = node.height ?? 0;
      if (info?.kind === 'initial') g.append(el('circle', { cx: x + w / 2, cy: y + h / 2, r: w / 2 }));
      else {
        g.append(el('rect', { x, y, width: w, height: h, rx: info?.kind === 'any' ? 11 : 8 }));
        const text = el('text', { x: x + 8, y: y + 18 });
        text.textContent = info?.label ?? node.id;
        g.append(text);
        if (info?.notes.length) {
          const note = el('text', { x: x + 8, y: y + 34, class: 'note' });
          note.textContent = `${info.notes.length} internal`;
          g.append(note);
        }
        const title = el('title', {});
        title.textContent = [node.id, info?.description, ...(info?.notes ?? [])].filter(Boolean).join('\n');
        g.append(title);
      }
      nodeLayer.append(g);
      this.nodeEls.set(node.id, g);
      for (const child of node.children ?? []) drawNode(child, x, y);
    };
    for (const child of graph.children ?? []) drawNode(child, 0, 0);

    const edges = [...(graph.edges ?? [])];
    const gather = (node: ElkOutNode) => {
      for (const child of node.children ?? []) {
        edges.push(...(child.edges ?? []));
        gather(child);
      }
    };
    gather(graph);
    for (const edge of edges) {
      const offset = absolute.get(edge.container ?? graph.id) ?? { x: 0, y: 0 };
      const g = el('g', { class: 'edge', 'data-edge-id': edge.id });
      for (const s of edge.sections ?? []) {
        const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
        const d = pts.map((p, i) => `${i ? 'L' : 'M'}${p.x + offset.x},${p.y + offset.y}`).join(' ');
        g.append(el('path', { d, 'marker-end': `url(#arrow-${this.root.id})` }));
      }
      for (const label of edge.labels ?? []) {
        const t = el('text', {
          x: (label.x ?? 0) + offset.x + 2,
          y: (label.y ?? 0) + offset.y + 12,
          class: 'edge-label',
        });
        t.textContent = label.text ?? '';
        g.append(t);
      }
      edgeLayer.append(g);
      this.edgeEls.set(edge.id, g);
    }
    this.root.replaceChildren(svg);
    this.applyActive();
  }

  /** Highlights the states of `value` and animates `taken` transitions. */
  show(value: unknown, taken: readonly WireTransition[] = []): void {
    this.showIds(this.input ? activeStateIds(value, this.input.idByPath) : [], taken);
  }

  /** Highlights the states `ids` and animates `taken` transitions. */
  showIds(ids: string[], taken: readonly WireTransition[] = []): void {
    this.active = ids;
    this.applyActive();
    if (!this.input || taken.length === 0) return;
    this.flip = !this.flip;
    for (const g of this.edgeEls.values()) g.classList.remove('taken-a', 'taken-b');
    for (const t of taken) {
      for (const id of this.input.edgesByTransition.get(
        transitionKey(t.source, t.event, t.guard, t.targets),
      ) ?? [])
        this.edgeEls.get(id)?.classList.add(this.flip ? 'taken-a' : 'taken-b');
    }
  }

  private applyActive(): void {
    const set = new Set(this.active);
    for (const [id, g] of this.nodeEls) g.classList.toggle('active', set.has(id));
    const leaves = this.active.filter((id) => !this.active.some((other) => other.startsWith(`${id}.`)));
    this.root.dataset.active = leaves.join(' ');
  }
}
