/**
 * Replay: step or scrub through the states a selected request passed, drawn on the request diagram.
 */
import type { StateDiagram } from '../diagram.js';
import { byId, ms } from '../dom.js';
import { buildReplaySteps, ReplayCursor } from '../replay.js';
import type { RequestView } from '../store.js';

/** The replay controls and their cursor. */
export class ReplayPanel {
  cursor: ReplayCursor | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly slider = byId<HTMLInputElement>('replay-slider');
  private readonly info = byId('replay-info');
  private readonly root = byId('replay');

  constructor(
    private readonly diagram: StateDiagram,
    private readonly onExit: () => void,
  ) {
    const on = (id: string, fn: () => void) => byId(id).addEventListener('click', fn);
    on('replay-first', () => this.go(() => this.cursor?.first()));
    on('replay-prev', () => this.go(() => this.cursor?.prev()));
    on('replay-next', () => this.go(() => this.cursor?.next()));
    on('replay-last', () => this.go(() => this.cursor?.last()));
    on('replay-play', () => this.play());
    on('replay-exit', () => this.close());
    this.slider.addEventListener('input', () => this.go(() => this.cursor?.seek(Number(this.slider.value))));
  }

  /** True while a request is being replayed. */
  get active(): boolean {
    return this.cursor !== undefined;
  }

  /** Starts replaying `request` from its first step. */
  open(request: RequestView): void {
    this.stopPlaying();
    const steps = buildReplaySteps(request.path, this.diagram.idByPath);
    if (steps.length === 0) return;
    this.cursor = new ReplayCursor(steps);
    this.root.hidden = false;
    byId('replay-title').textContent =
      `${request.id} · ${request.status}${request.source ? ` · ${request.source}` : ''}`;
    this.slider.max = String(steps.length - 1);
    this.root.dataset.steps = String(steps.length);
    this.go(() => this.cursor?.first());
  }

  /** Leaves replay and returns the diagram to live. */
  close(): void {
    this.stopPlaying();
    this.cursor = undefined;
    this.root.hidden = true;
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
    this.info.textContent = `step ${step.index + 1}/${cursor.steps.length} · +${ms(step.offsetMs)} · ${step.event || 'start'} → ${step.leaf}`;
    const value = this.cursor?.steps[step.index];
    if (value) this.diagram.showIds(value.active, step.transitions);
  }

  private play(): void {
    if (this.timer) {
      this.stopPlaying();
      return;
    }
    this.timer = setInterval(() => {
      if (!this.cursor || this.cursor.atEnd) this.stopPlaying();
      else this.go(() => this.cursor?.next());
    }, 400);
  }

  private stopPlaying(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
