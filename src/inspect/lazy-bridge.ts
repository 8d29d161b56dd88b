/**
 * The bridge a client opens for `inspect: 'ws://…'`, loaded only then: the WebSocket bridge (and `ws`) is
 * imported on first use, so a client that does not inspect never loads inspection code. Events observed
 * while the module loads are held (up to {@link LAZY_BRIDGE_HOLD}) and handed to the bridge in order.
 */
import type { InspectionEvent } from 'xstate';
import type { InspectBridge } from './bridge.js';
import type { InspectableLLM } from './commands.js';

/** Events held while the bridge module loads; later ones are dropped (the bridge buffers from then on). */
export const LAZY_BRIDGE_HOLD = 10_000;

/** The part of {@link InspectBridge} a client uses. */
export interface LazyInspectBridge {
  readonly observer: (event: InspectionEvent) => void;
  attach(llm: InspectableLLM): void;
  close(): Promise<void>;
}

/** A bridge to the inspector at `url` whose module loads in the background. */
export function createInspectBridge(options: { url: string }): LazyInspectBridge {
  const held: InspectionEvent[] = [];
  let bridge: InspectBridge | undefined;
  let attached: InspectableLLM | undefined;
  let closed = false;
  const loading = import('./bridge.js').then(
    (module) => {
      if (closed) return;
      bridge = module.createInspectBridge(options);
      for (const event of held.splice(0)) bridge.observer(event);
      if (attached !== undefined) bridge.attach(attached);
    },
    (error: unknown) => {
      held.length = 0;
      console.warn(`resilient-llm: the inspector bridge could not be loaded (${String(error)})`);
    },
  );
  return {
    observer(event) {
      if (bridge !== undefined) bridge.observer(event);
      else if (!closed && held.length < LAZY_BRIDGE_HOLD) held.push(event);
    },
    attach(llm) {
      attached = llm;
      bridge?.attach(llm);
    },
    async close() {
      await loading;
      closed = true;
      held.length = 0;
      await bridge?.close();
    },
  };
}
