/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function and by source area, so a
 * report can say what the time is spent on.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One row of a summary: a frame (or area) and its share of the sampled time. */
export interface ProfileRow {
  name: string;
  selfMs: number;
  percent: number;
}

/** Self time by frame and by area (`xstate`, `zod`, `src/client`, `node:internal`, …). */
export interface ProfileSummary {
  totalMs: number;
  topFrames: ProfileRow[];
  areas: ProfileRow[];
  /** Inclusive time (self + callees) of the functions named in {@link INCLUSIVE_OF}, when sampled. */
  inclusive: ProfileRow[];
}

/** Functions whose inclusive time the summary reports: resilient-llm's call path and xstate's entry points. */
export const INCLUSIVE_OF = [
  'runCall',
  'parseCallRequest',
  'inputFor',
  'createActor',
  'start',
  'toPromise',
  'send',
  'initialContext',
  'createRequestActors',
  'toResult',
  'stop',
] as const;

function areaOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) return nm[1];
  if (url.startsWith('node:')) return 'node:internal';
  const own = /\/work\/main\/((?:src|machines|bench)\/[^/]+)/.exec(url);
  if (own?.[1]) return own[1].replace(/\.ts$/, '');
  return url.replace(/^file:\/\//, '');
}

function rows(map: Map<string, number>, total: number, limit: number): ProfileRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({
      name,
      selfMs: Math.round(us / 100) / 10,
      percent: Math.round((us / total) * 1000) / 10,
    }));
}

/** Summarises one profile file. */
export function summariseProfile(path: string, limit = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const frames = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    total += us;
    const file = url.replace(/^.*\/(node_modules\/|work\/main\/)/, '');
    const key = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    frames.set(key, (frames.get(key) ?? 0) + us);
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const wanted = new Set<string>(INCLUSIVE_OF);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)?.callFrame.functionName ?? '';
      if (wanted.has(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + us);
      }
    }
  }
  return {
    totalMs: Math.round(total / 1000),
    topFrames: rows(frames, total, limit),
    areas: rows(areas, total, 10),
    inclusive: rows(inclusive, total, INCLUSIVE_OF.length),
  };
}

/** The largest `.cpuprofile` (the main thread's; loader threads write small ones) in `dir`. */
export function newestProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort((a, b) => statSync(join(dir, a)).size - statSync(join(dir, b)).size);
  const last = files.at(-1);
  if (!last) throw new Error(`No .cpuprofile in ${dir}`);
  return join(dir, last);
}
