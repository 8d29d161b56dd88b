/**
 * `resilient-llm/inspect`: connect an app to the inspector page — stream xstate inspection events
 * (redacted, batched, bounded) to the relay and accept ops commands back — or run the inspector yourself.
 *
 * @example
 * ```ts
 * import { createResilientLLM } from 'resilient-llm';
 * import { createInspectBridge } from 'resilient-llm/inspect';
 * const bridge = createInspectBridge({ url: process.env.RESILIENT_LLM_INSPECT! });
 * const llm = createResilientLLM({ providers, inspect: bridge.observer });
 * bridge.attach(llm); // breaker panel info + force open / disable / reset / re-rank from the page
 * ```
 */
export type {
  CommandHandler,
  FastCallRecord,
  FastPathObserver,
  InfoSource,
  InspectBridge,
} from './bridge.js';
export { createInspectBridge } from './bridge.js';
export type { BridgeSocket, BridgeSocketConstructor, InspectBridgeOptions } from './bridge-options.js';
export { defaultInspectBridgeOptions } from './bridge-options.js';
export type { InspectableLLM } from './commands.js';
export { applyInspectorCommand, describeProviders } from './commands.js';
export type { MachineDefinition } from './definition.js';
export { describeMachine } from './definition.js';
export type { InspectorDemo, InspectorDemoOptions } from './demo.js';
export { startInspectorDemo } from './demo.js';
export type {
  AppDescriptor,
  AppMessage,
  DemoProviderSettings,
  DemoState,
  FastCallOutput,
  InspectorCommand,
  PageMessage,
  WireEvent,
  WireProvider,
  WireTransition,
} from './protocol.js';
export { inspectorCommandSchema, PROTOCOL_VERSION, parseInspectorCommand, RELAY_PATH } from './protocol.js';
export type { SafeJsonOptions } from './redact.js';
export { toSafeJson } from './redact.js';
export type { InspectorRelay, InspectorRelayOptions } from './relay.js';
export { createInspectorRelay } from './relay.js';
export type { InspectorServer, InspectorServerOptions } from './server.js';
export { startInspectorServer } from './server.js';
export type { InspectMode, SyncBreaker, SyncMessage, SyncSourceBucket } from './sync.js';
