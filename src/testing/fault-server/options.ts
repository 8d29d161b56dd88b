/**
 * Validation of {@link FaultServerOptions}, once, at the boundary.
 */
import { z } from 'zod';
import { systemClock } from '../../clock.js';
import { clockSchema } from '../../options.js';
import type { FaultScenario, FaultServerOptions } from './types.js';
import { FAULT_KINDS } from './types.js';

const isFunction = (value: unknown) => typeof value === 'function';
/** A picker function, or `schema` (checked as is, so errors point inside it rather than at a union). */
const orPicker = <T extends z.ZodType>(schema: T, empty: unknown) =>
  z.preprocess((value) => (isFunction(value) ? empty : value), schema);

const ruleSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  rate: z.number().min(0).max(1).optional(),
  requestIds: z.union([z.tuple([z.number().int(), z.number().int()]), z.array(z.string())]).optional(),
  attempts: z.array(z.number().int().min(1)).optional(),
  retryAfterS: z.number().min(0).optional(),
  afterDeltas: z.number().int().min(0).optional(),
  afterToolFrames: z.number().int().min(0).optional(),
  delayMs: z.number().min(0).optional(),
});

const providerScenarioSchema = z.object({
  faults: orPicker(z.array(ruleSchema), []).optional(),
  latencyMs: z.number().min(0).optional(),
  deltaDelayMs: z.number().min(0).optional(),
  text: z.preprocess((value) => (isFunction(value) ? '' : value), z.string()).optional(),
  model: z.string().min(1).optional(),
  headers: z
    .preprocess((value) => (isFunction(value) ? {} : value), z.record(z.string(), z.string()))
    .optional(),
  toolCalls: z
    .preprocess(
      (value) => (isFunction(value) ? [] : value),
      z.array(z.object({ id: z.string().min(1), name: z.string().min(1), input: z.unknown() })),
    )
    .optional(),
});

const optionsSchema = z.object({
  seed: z.number().int().optional(),
  scenario: orPicker(z.record(z.string(), providerScenarioSchema), {}).optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  clock: clockSchema.optional(),
});

/** Defaults of {@link FaultServerOptions}. */
export const defaultFaultServerOptions = {
  seed: 1,
  scenario: {},
  port: 0,
  host: '127.0.0.1',
  clock: systemClock,
} satisfies Required<FaultServerOptions>;

/** Options after validation and defaults. */
export type ResolvedFaultServerOptions = Required<FaultServerOptions> & { scenario: FaultScenario };

/** Validates options; throws one `TypeError` naming every bad field. */
export function resolveFaultServerOptions(
  options: FaultServerOptions | undefined,
): ResolvedFaultServerOptions {
  const parsed = optionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    throw new TypeError(`Invalid fault server options: ${z.prettifyError(parsed.error)}`);
  }
  // The original objects are kept (not zod's copies) so pickers and clocks keep their identity.
  const given = options ?? {};
  return {
    seed: given.seed ?? defaultFaultServerOptions.seed,
    scenario: given.scenario ?? defaultFaultServerOptions.scenario,
    port: given.port ?? defaultFaultServerOptions.port,
    host: given.host ?? defaultFaultServerOptions.host,
    clock: given.clock ?? defaultFaultServerOptions.clock,
  };
}
