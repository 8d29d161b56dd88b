/**
 * `@opentelemetry/api`, loaded lazily and at most once per process: the first client with telemetry on asks for
 * it; when it is not installed the answer is `undefined` and telemetry stays off (an optional peer dependency).
 * Loaded synchronously (`createRequire`) because `createResilientLLM` is synchronous and its first call must
 * already be traced; the API keeps its registry on `globalThis`, so this copy sees the SDK the app registered.
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

/** The API module, as loaded. */
export type OtelApiModule = typeof OtelApi;

let loaded: { api: OtelApiModule | undefined } | undefined;

/** The API, or undefined when it is not installed (the outcome is remembered). */
export function loadOtelApi(): OtelApiModule | undefined {
  if (loaded === undefined) {
    let api: OtelApiModule | undefined;
    try {
      api = createRequire(import.meta.url)('@opentelemetry/api') as OtelApiModule;
    } catch {
      api = undefined;
    }
    loaded = { api };
  }
  return loaded.api;
}
