/**
 * elkjs in a Web Worker, so laying out a statechart never blocks the page's frames.
 */
import * as elkModule from 'elkjs/lib/elk-api.js';
import workerUrl from 'elkjs/lib/elk-worker.min.js?url';
import type { ElkInputNode } from './layout-input.js';

/** A laid-out node (positions relative to the parent). */
export interface ElkOutNode {
  id: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  labels?: Array<{ text?: string; x?: number; y?: number; width?: number; height?: number }>;
  children?: ElkOutNode[];
  edges?: ElkOutEdge[];
}

/** A laid-out edge (coordinates relative to its container). */
export interface ElkOutEdge {
  id: string;
  container?: string;
  sources: string[];
  targets: string[];
  labels?: Array<{ text?: string; x?: number; y?: number; width?: number; height?: number }>;
  sections?: Array<{
    startPoint: { x: number; y: number };
    endPoint: { x: number; y: number };
    bendPoints?: Array<{ x: number; y: number }>;
  }>;
}

type ElkInstance = { layout(graph: ElkInputNode): Promise<ElkOutNode> };
type ElkCtor = new (options: { workerUrl: string }) => ElkInstance;

const mod = elkModule as unknown as { default?: ElkCtor | { default?: ElkCtor } };
const Ctor = (typeof mod.default === 'function'
  ? mod.default
  : (mod.default?.default ?? elkModule)) as unknown as ElkCtor;

let elk: ElkInstance | undefined;

/** Lays out `graph` with elkjs (in a worker). */
export function layout(graph: ElkInputNode): Promise<ElkOutNode> {
  elk ??= new Ctor({ workerUrl });
  return elk.layout(graph);
}
