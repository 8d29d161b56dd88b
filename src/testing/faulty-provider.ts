/**
 * `faultyProvider` of the test kit: the scripted in-process provider (`src/providers/scripted-provider.ts`,
 * which the inspector's demo app also runs on).
 */
export {
  type FaultStep,
  type FaultyCallContext,
  type FaultyProvider,
  type FaultyProviderOptions,
  faultyProvider,
} from '../providers/scripted-provider.js';
