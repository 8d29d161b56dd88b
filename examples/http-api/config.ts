/**
 * The example server's configuration, read once from environment variables and validated with zod.
 * Without API keys it runs against the built-in fault server; with a key it talks to the real provider.
 */

import { FAULT_KINDS, type FaultRule } from 'resilient-llm/testing';
import { z } from 'zod';

/** What the server runs with. */
export interface ServerConfig {
  host: string;
  port: number;
  /** `fault`: both providers point at a local fault server; `real`: the providers' own endpoints. */
  mode: 'fault' | 'real';
  openai: { apiKey: string | undefined; baseURL: string | undefined; model: string };
  anthropic: { apiKey: string | undefined; baseURL: string | undefined; model: string };
  /** Static answer of last resort; undefined when `FALLBACK_ANSWER` is set empty. */
  fallback: string | undefined;
  /** Fault-server mode: faults per provider id, from `FAULTS`. */
  faults: Record<string, FaultRule[]>;
}

/** Defaults of the environment variables. */
export const defaultEnv = {
  HOST: '127.0.0.1',
  PORT: '3000',
  OPENAI_MODEL: 'gpt-4o-mini',
  ANTHROPIC_MODEL: 'claude-haiku-4-5',
  FALLBACK_ANSWER: "Sorry, I can't answer right now. Please try again in a minute.",
  FAULTS: '',
} as const;

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const faultKind = z.enum(FAULT_KINDS, `FAULTS kind must be one of: ${FAULT_KINDS.join(', ')}`);

/** One `provider=kind[@rate]` entry of `FAULTS`. */
const faultSpec = z
  .string()
  .regex(
    /^[\w.-]+=\w+(@(0|1|0?\.\d+))?$/,
    'FAULTS entries must look like provider=kind or provider=kind@rate',
  )
  .transform((entry, ctx) => {
    const [provider = '', spec = ''] = entry.split('=');
    const [kind = '', rate] = spec.split('@');
    const parsed = faultKind.safeParse(kind);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: `${parsed.error.issues[0]?.message} (got ${kind})` });
      return z.NEVER;
    }
    const rule: FaultRule =
      rate === undefined ? { kind: parsed.data } : { kind: parsed.data, rate: Number(rate) };
    return { provider, rule };
  });

const envSchema = z.object({
  HOST: z.string().min(1).default(defaultEnv.HOST),
  PORT: z.coerce.number().int().min(0).max(65_535).default(Number(defaultEnv.PORT)),
  LLM_MODE: z.enum(['fault', 'real'], 'LLM_MODE must be fault or real').optional(),
  OPENAI_API_KEY: optional,
  OPENAI_BASE_URL: z.url('OPENAI_BASE_URL must be a URL').optional(),
  OPENAI_MODEL: z.string().min(1).default(defaultEnv.OPENAI_MODEL),
  ANTHROPIC_API_KEY: optional,
  ANTHROPIC_BASE_URL: z.url('ANTHROPIC_BASE_URL must be a URL').optional(),
  ANTHROPIC_MODEL: z.string().min(1).default(defaultEnv.ANTHROPIC_MODEL),
  FALLBACK_ANSWER: z.string().default(defaultEnv.FALLBACK_ANSWER),
  FAULTS: z
    .string()
    .default(defaultEnv.FAULTS)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(faultSpec)),
});

/**
 * Reads the configuration. `LLM_MODE` defaults to `real` when an API key is set, else `fault`.
 * @throws TypeError naming every bad variable, e.g. `Invalid environment: ✖ ... → at PORT`.
 */
export function configFromEnv(env: Record<string, string | undefined>): ServerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new TypeError(`Invalid environment: ${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const mode = e.LLM_MODE ?? (e.OPENAI_API_KEY || e.ANTHROPIC_API_KEY ? 'real' : 'fault');
  if (mode === 'real' && !e.OPENAI_API_KEY && !e.ANTHROPIC_API_KEY) {
    throw new TypeError('Invalid environment: LLM_MODE=real needs OPENAI_API_KEY or ANTHROPIC_API_KEY');
  }
  const faults: Record<string, FaultRule[]> = {};
  for (const { provider, rule } of e.FAULTS) faults[provider] = [...(faults[provider] ?? []), rule];
  return {
    host: e.HOST,
    port: e.PORT,
    mode,
    openai: { apiKey: e.OPENAI_API_KEY, baseURL: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL },
    anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseURL: e.ANTHROPIC_BASE_URL, model: e.ANTHROPIC_MODEL },
    fallback: e.FALLBACK_ANSWER === '' ? undefined : e.FALLBACK_ANSWER,
    faults,
  };
}
