/**
 * The path view of the selected request: its steps drawn large, in order and in domain words
 * ("alpha: provider_error 503 → fail over to beta"), with the time of each; the full chart beside it with
 * the visited states and taken edges highlighted and the rest dimmed; replay step by step, scrubbing, and a
 * jump to the step where the path left primary.
 */
import type { StateDiagram } from '../diagram.js';
import { byId, h, ms } from '../dom.js';
import { buildDomainSteps, type DomainStep } from '../path-steps.js';
import { ReplayCursor } from '../replay.js';
import { metadataEntries, type RequestView } from '../store.js';

/** The path list, the replay controls and their cursor. */
export class PathView {
  cursor: ReplayCursor<DomainStep> | undefined;
  request: RequestView | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly slider = byId<HTMLInputElement>('replay-slider');
  private readonly info = byId('replay-info');
  private readonly root = byId('replay');
  private readonly list = byId<HTMLOListElement>('path-steps');
  private readonly metadata = byId<HTMLDListElement>('request-metadata');
  private items: HTMLLIElement[] = [];

  constructor(
    private readonly diagram: StateDiagram,
    private readonly onExit: () => void,
  ) {
    const on = (id: string, fn: () => void) => byId(id).addEventListener('click', fn);
    on('replay-first', () => this.go(() => this.cursor?.first()));
    on('replay-prev', () => this.go(() => this.cursor?.prev()));
    on('replay-next', () => this.go(() => this.cursor?.next()));
    on('replay-last', () => this.go(() => this.cursor?.last()));
    on('replay-left', () => this.go(() => this.jumpToLeftPrimary()));
    on('replay-play', () => this.play());
    on('replay-exit', () => this.close());
    this.slider.addEventListener('input', () => this.go(() => this.cursor?.seek(Number(this.slider.value))));
    this.list.addEventListener('click', (event) => {
      const li = (event.target as HTMLElement).closest('li[data-index]') as HTMLElement | null;
      if (li) this.go(() => this.cursor?.seek(Number(li.dataset.index)));
    });
  }

  /** True while a request is being shown. */
  get active(): boolean {
    return this.request !== undefined;
  }

  /** Shows `request`'s path from its first step. */
  open(request: RequestView): void {
    this.stopPlaying();
    this.request = request;
    byId('replay-title').textContent = `${request.id} · ${request.source ?? request.status}`;
    this.showMetadata(request);
    if (request.fast) {
      this.showFast(request);
      return;
    }
    if (!this.diagram.drawn) {
      // The chart is still being laid out (ELK runs asynchronously, slowly on a busy machine): the steps need
      // its state ids, so show the request once it is drawn, if it is still the one selected.
      this.diagram.onceDrawn(() => {
        if (this.request === request) this.open(request);
      });
      return;
    }
    const steps = buildDomainSteps(request.path, this.diagram.idByPath);
    if (steps.length === 0) return;
    this.cursor = new ReplayCursor(steps);
    this.root.hidden = false;
    this.slider.max = String(steps.length - 1);
    this.root.dataset.steps = String(steps.length);
    byId<HTMLButtonElement>('replay-left').disabled = !steps.some((s) => s.leftPrimary);
    this.items = steps.map((s) => this.item(s));
    this.list.replaceChildren(...this.items);
    const visited = [...new Set(steps.flatMap((s) => [...s.active, ...s.visited]))];
    this.diagram.showPath(
      visited,
      steps.flatMap((s) => s.transitions),
    );
    this.go(() => this.cursor?.first());
  }

  private item(s: DomainStep): HTMLLIElement {
    const li = h(
      'li',
      {
        'data-index': String(s.index),
        'data-decision': s.decision,
        ...(s.provider ? { 'data-provider': s.provider } : {}),
        ...(s.errorType ? { 'data-error-type': s.errorType } : {}),
        class: `step${s.leftPrimary ? ' left-primary' : ''}`,
      },
      h('span', { class: 'at' }, `+${ms(s.offsetMs)}`),
      h('span', { class: 'label' }, s.label),
      h('span', { class: 'state' }, s.leaf.replace(/^request\./, '')),
    );
    return li;
  }

  private showFast(request: RequestView): void {
    this.cursor = undefined;
    this.root.hidden = true;
    this.items = [];
    this.list.replaceChildren(
      h(
        'li',
        { class: 'step fast', 'data-decision': 'succeeded', 'data-provider': request.provider ?? '' },
        h('span', { class: 'at' }, `+${ms((request.endedAt ?? request.startedAt) - request.startedAt)}`),
        h('span', { class: 'label' }, `${request.provider}: answered on the fast path → succeeded`),
        h('span', { class: 'state' }, 'no decision needed: the statechart did not run'),
      ),
    );
    this.diagram.showPath([]);
  }

  /** The call's metadata as `key: value` pairs (text only, so nothing in it is parsed as HTML). */
  private showMetadata(request: RequestView | undefined): void {
    const entries = metadataEntries(request?.metadata);
    this.metadata.replaceChildren(
      ...entries.flatMap(([key, value]) => [
        h('dt', { 'data-key': key }, key),
        h('dd', { 'data-key': key, title: value }, value),
      ]),
    );
    this.metadata.hidden = entries.length === 0;
  }

  private jumpToLeftPrimary(): DomainStep | undefined {
    const target = this.cursor?.steps.find((s) => s.leftPrimary);
    return target ? this.cursor?.seek(target.index) : undefined;
  }

  /** Leaves the request and returns the chart to live. */
  close(): void {
    this.stopPlaying();
    this.cursor = undefined;
    this.request = undefined;
    this.showMetadata(undefined);
    this.root.hidden = true;
    this.items = [];
    this.list.replaceChildren(
      h('li', { class: 'hint' }, 'Select a request on the right to see its path, step by step.'),
    );
    this.diagram.showPath(undefined);
    this.onExit();
  }

  private go(move: () => unknown): void {
    move();
    const cursor = this.cursor;
    if (!cursor) return;
    const step = cursor.step;
    this.slider.value = String(step.index);
    this.info.dataset.stepIndex = String(step.index);
    this.info.dataset.leaf = step.leaf;
    this.info.textContent = `step ${step.index + 1}/${cursor.steps.length} · +${ms(step.offsetMs)} · ${step.label}`;
    for (const [i, li] of this.items.entries()) {
      li.classList.toggle('current', i === step.index);
      li.classList.toggle('future', i > step.index);
    }
    this.items[step.index]?.scrollIntoView({ block: 'nearest' });
    this.diagram.showIds(step.active, step.transitions);
    if (step.leaf) this.diagram.reveal(step.leaf);
  }

  private play(): void {
    if (this.timer) {
      this.stopPlaying();
      return;
    }
    this.timer = setInterval(() => {
      if (!this.cursor || this.cursor.atEnd) this.stopPlaying();
      else this.go(() => this.cursor?.next());
    }, 700);
  }

  private stopPlaying(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
