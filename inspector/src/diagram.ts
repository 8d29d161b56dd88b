/**
 * Draws a statechart as SVG from its elkjs layout, highlights the active states, and animates the
 * transitions just taken. The root element carries `data-active` (innermost active state ids) so tests
 * and users can read what is highlighted. In path mode the states a request visited and the edges it took
 * stay bright and the rest is dimmed. Wheel zooms, dragging pans; the default zoom is actual size (12 px
 * labels) or smaller only when the chart fits whole; clicking a compound state's title collapses it.
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
/** A transition is animated only when the previous highlight is at least this old, ms. */
const CALM_MS = 1_000;

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
  /** When the highlight last changed (performance.now ms), and the edges it marks. */
  private lastShown = Number.NEGATIVE_INFINITY;
  private taken: string[] = [];
  private json: unknown;
  private readonly collapsed = new Set<string>();
  private path: { states: Set<string>; edges: Set<string> } | undefined;
  private svg: SVGSVGElement | undefined;
  private size = { width: 100, height: 100 };
  /** The visible part of the chart, in chart units. */
  private view = { x: 0, y: 0, width: 100, height: 100 };

  constructor(
    readonly root: HTMLElement,
    private readonly direction: 'DOWN' | 'RIGHT' = 'DOWN',
    /** Pan and zoom with the mouse (the request chart); small multiples just fit. */
    private readonly interactive = false,
  ) {
    if (interactive) this.enablePanZoom();
  }

  /** Zoom factor: screen px per chart unit. */
  get scale(): number {
    const width = this.root.clientWidth || this.view.width;
    return width / this.view.width;
  }

  /** Shows the whole chart. */
  fit(): void {
    const { width, height } = this.size;
    const box = this.viewport();
    const scale = Math.min(box.width / width, box.height / height);
    this.setView(0, 0, box.width / scale, box.height / scale);
  }

  /** Actual size (1 chart unit per px), keeping the top left corner. */
  actualSize(): void {
    const box = this.viewport();
    this.setView(this.view.x, this.view.y, box.width, box.height);
  }

  /** Zooms by `factor` around the point (`cx`, `cy`) of the viewport (its centre by default). */
  zoom(factor: number, cx?: number, cy?: number): void {
    const box = this.viewport();
    const fx = (cx ?? box.width / 2) / box.width;
    const fy = (cy ?? box.height / 2) / box.height;
    const width = Math.min(this.size.width * 4, Math.max(60, this.view.width / factor));
    const height = width * (box.height / box.width);
    const px = this.view.x + fx * this.view.width;
    const py = this.view.y + fy * this.view.height;
    this.setView(px - fx * width, py - fy * height, width, height);
  }

  private viewport(): { width: number; height: number } {
    return { width: this.root.clientWidth || 600, height: this.root.clientHeight || 400 };
  }

  private setView(x: number, y: number, width: number, height: number): void {
    this.view = { x, y, width, height };
    this.svg?.setAttribute('viewBox', `${x} ${y} ${width} ${height}`);
    this.root.dataset.scale = this.scale.toFixed(3);
  }

  /** Default zoom: actual size from the top left corner, so every label is as large as the page's text. */
  private defaultView(): void {
    if (!this.interactive) return;
    const box = this.viewport();
    this.setView(0, 0, box.width, box.height);
  }

  /** Pans so that state `id` is in view (when it is not). */
  reveal(id: string): void {
    const g = this.nodeEls.get(id);
    if (!this.interactive || !g) return;
    const rect = g.querySelector('rect');
    if (!rect) return;
    const x = Number(rect.getAttribute('x'));
    const y = Number(rect.getAttribute('y'));
    const w = Number(rect.getAttribute('width'));
    const h = Number(rect.getAttribute('height'));
    const v = this.view;
    if (x >= v.x && y >= v.y && x + w <= v.x + v.width && y + h <= v.y + v.height) return;
    this.setView(x + w / 2 - v.width / 2, y + h / 2 - v.height / 2, v.width, v.height);
  }

  private enablePanZoom(): void {
    const root = this.root;
    root.classList.add('pannable');
    root.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        const r = root.getBoundingClientRect();
        this.zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - r.left, event.clientY - r.top);
      },
      { passive: false },
    );
    let drag: { x: number; y: number; vx: number; vy: number } | undefined;
    root.addEventListener('pointerdown', (event) => {
      if ((event.target as Element).closest('.node.compound > text, .node.parallel > text')) return;
      drag = { x: event.clientX, y: event.clientY, vx: this.view.x, vy: this.view.y };
      root.setPointerCapture(event.pointerId);
    });
    root.addEventListener('pointermove', (event) => {
      if (!drag) return;
      const k = 1 / this.scale;
      this.setView(
        drag.vx - (event.clientX - drag.x) * k,
        drag.vy - (event.clientY - drag.y) * k,
        this.view.width,
        this.view.height,
      );
    });
    const end = () => {
      drag = undefined;
    };
    root.addEventListener('pointerup', end);
    root.addEventListener('pointercancel', end);
    root.addEventListener('click', (event) => {
      const title = (event.target as Element).closest('.node > text.title');
      const id = title?.parentElement?.getAttribute('data-state-id');
      if (id && title?.parentElement?.classList.contains('collapsible')) void this.toggle(id);
    });
  }

  /** Collapses or expands compound state `id` and lays the chart out again. */
  async toggle(id: string): Promise<void> {
    if (this.collapsed.has(id)) this.collapsed.delete(id);
    else this.collapsed.add(id);
    const key = this.defKey;
    this.defKey = undefined;
    if (key !== undefined) await this.draw(key, this.json, true);
  }

  /** The key of the definition drawn, if any. */
  get definition(): string | undefined {
    return this.defKey;
  }

  /** State ids by path, for resolving snapshot values. */
  get idByPath(): Map<string, string> {
    return this.input?.idByPath ?? new Map();
  }

  /** Whether a definition has been laid out and drawn (layout is asynchronous). */
  get drawn(): boolean {
    return this.input !== undefined;
  }

  /** Calls `fn` once, the next time a layout finishes drawing. */
  onceDrawn(fn: () => void): void {
    this.root.addEventListener('drawn', fn, { once: true });
  }

  /** Lays out and draws a machine definition (once per key). */
  async draw(key: string, json: unknown, keepView = false): Promise<void> {
    if (this.defKey === key) return;
    this.defKey = key;
    this.json = json;
    const input = buildLayoutInput(json as StateJson, this.direction, this.collapsed);
    const laid = await layout(input.graph);
    if (this.defKey !== key) return;
    this.input = input;
    this.render(laid, input);
    if (!keepView) this.defaultView();
    else this.setView(this.view.x, this.view.y, this.view.width, this.view.height);
    this.root.dispatchEvent(new CustomEvent('drawn'));
  }

  private render(graph: ElkOutNode, input: LayoutInput): void {
    this.nodeEls.clear();
    this.edgeEls.clear();
    this.taken = [];
    this.size = { width: graph.width ?? 100, height: graph.height ?? 100 };
    const svg = el('svg', {
      viewBox: `0 0 ${this.size.width} ${this.size.height}`,
      class: 'diagram-svg',
      ...(this.interactive ? { preserveAspectRatio: 'xMinYMin meet' } : {}),
    });
    this.svg = svg;
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
      const compound = info?.type === 'compound' || info?.type === 'parallel';
      const folded = this.collapsed.has(node.id);
      const g = el('g', {
        class: `node ${info?.kind ?? 'state'} ${folded ? 'atomic folded' : (info?.type ?? '')}${compound ? ' collapsible' : ''}`,
        'data-state-id': node.id,
      });
      const w = node.width ?? 0;
      const h = node.height ?? 0;
      if (info?.kind === 'initial') g.append(el('circle', { cx: x + w / 2, cy: y + h / 2, r: w / 2 }));
      else {
        g.append(el('rect', { x, y, width: w, height: h, rx: info?.kind === 'any' ? 11 : 8 }));
        const text = el('text', { x: x + 8, y: y + 18, class: 'title' });
        text.textContent = `${compound && this.interactive ? (folded ? '[+] ' : '[-] ') : ''}${info?.label ?? node.id}`;
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
    this.applyPath();
  }

  /**
   * Path mode: the states in `states` and the transitions in `taken` stay bright, the rest is dimmed;
   * undefined leaves path mode.
   */
  showPath(states: readonly string[] | undefined, taken: readonly WireTransition[] = []): void {
    this.path = states === undefined ? undefined : { states: new Set(states), edges: new Set() };
    if (this.path && this.input)
      for (const t of taken)
        for (const id of this.input.edgesByTransition.get(
          transitionKey(t.source, t.event, t.guard, t.targets),
        ) ?? [])
          this.path.edges.add(id);
    this.applyPath();
  }

  private applyPath(): void {
    const path = this.path;
    this.svg?.classList.toggle('path-mode', path !== undefined);
    for (const [id, g] of this.nodeEls) {
      const folded = [...this.collapsed].some((c) => id === c);
      const hit =
        path !== undefined &&
        (path.states.has(id) || (folded && [...path.states].some((s) => s.startsWith(`${id}.`))));
      g.classList.toggle('visited', hit);
    }
    for (const [id, g] of this.edgeEls) g.classList.toggle('on-path', path?.edges.has(id) === true);
    this.root.dataset.visited = path ? String(path.states.size) : '';
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
    // Animate only when updates are sparse: under heavy traffic a dash that moves for 0.8 s, restarted
    // five times a second, repaints the chart on every frame and reads no better than a steady highlight.
    const now = performance.now();
    const style = now - this.lastShown > CALM_MS ? (this.flip ? 'taken-a' : 'taken-b') : 'taken';
    this.lastShown = now;
    for (const id of this.taken) this.edgeEls.get(id)?.classList.remove('taken-a', 'taken-b', 'taken');
    this.taken = [];
    for (const t of taken) {
      for (const id of this.input.edgesByTransition.get(
        transitionKey(t.source, t.event, t.guard, t.targets),
      ) ?? []) {
        this.edgeEls.get(id)?.classList.add(style);
        this.taken.push(id);
      }
    }
  }

  private applyActive(): void {
    const set = new Set(this.active);
    // A collapsed state is active when one of its hidden descendants is.
    for (const c of this.collapsed) if (this.active.some((id) => id.startsWith(`${c}.`))) set.add(c);
    for (const [id, g] of this.nodeEls) g.classList.toggle('active', set.has(id));
    const leaves = this.active.filter((id) => !this.active.some((other) => other.startsWith(`${id}.`)));
    this.root.dataset.active = leaves.join(' ');
  }
}
