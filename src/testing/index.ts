/**
 * `resilient-llm/testing`: tools to test code built on resilient-llm — model-based paths from the
 * statecharts, a scripted in-process provider, a fault-injecting HTTP server, and a simulated-clock driver.
 */
export type { Settled } from './drive-clock.js';
export { flushAsync, nextTimerAt, settleWithClock } from './drive-clock.js';
export * from './fault-server/index.js';
export type {
  FaultStep,
  FaultyCallContext,
  FaultyProvider,
  FaultyProviderOptions,
} from './faulty-provider.js';
export { faultyProvider } from './faulty-provider.js';
export * from './model-paths.js';
