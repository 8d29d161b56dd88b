/**
 * The fault-injecting provider server, exported from `resilient-llm/testing`.
 */
export type { ErrorResponse } from './bodies.js';
export type { FaultServer } from './create-fault-server.js';
export { createFaultServer } from './create-fault-server.js';
export { defaultFaultServerOptions } from './options.js';
export { pickFault, unitDraw } from './schedule.js';
export type {
  Fault,
  FaultContext,
  FaultKind,
  FaultPicker,
  FaultRequestRecord,
  FaultRule,
  FaultScenario,
  FaultServerOptions,
  FaultServerStats,
  FaultToolCall,
  ProviderScenario,
  ProviderStats,
  WireName,
} from './types.js';
export { FAULT_KINDS } from './types.js';
