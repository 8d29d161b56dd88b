import { describe, expect, it } from 'vitest';
import { configFromEnv, defaultEnv } from '../examples/http-api/config.js';
import { createExampleLLM } from '../examples/http-api/llm.js';

describe('example HTTP API: configuration from the environment', () => {
  it('runs on the fault server with defaults when no API key is set', () => {
    expect(configFromEnv({})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      mode: 'fault',
      openai: { apiKey: undefined, baseURL: undefined, model: defaultEnv.OPENAI_MODEL },
      anthropic: { apiKey: undefined, baseURL: undefined, model: defaultEnv.ANTHROPIC_MODEL },
      fallback: defaultEnv.FALLBACK_ANSWER,
      faults: {},
    });
  });

  it('switches to the real endpoints when a key is set, and drops the fallback when it is empty', () => {
    const config = configFromEnv({
      OPENAI_API_KEY: ' sk-real ',
      OPENAI_BASE_URL: 'https://gateway.example/v1',
      PORT: '8080',
      FALLBACK_ANSWER: '',
    });
    expect(config).toMatchObject({
      mode: 'real',
      port: 8080,
      openai: { apiKey: 'sk-real', baseURL: 'https://gateway.example/v1' },
      anthropic: { apiKey: undefined },
      fallback: undefined,
    });
  });

  it('parses FAULTS into fault-server rules per provider', () => {
    expect(configFromEnv({ FAULTS: 'openai=429, anthropic=down@0.5,openai=auth' }).faults).toEqual({
      openai: [{ kind: '429' }, { kind: 'auth' }],
      anthropic: [{ kind: 'down', rate: 0.5 }],
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ FAULTS: 'openai=teapot' }, /FAULTS kind must be one of[\s\S]*got teapot[\s\S]*at FAULTS/],
    [{ FAULTS: 'openai' }, /provider=kind/],
    [{ LLM_MODE: 'real' }, /LLM_MODE=real needs OPENAI_API_KEY or ANTHROPIC_API_KEY/],
    [{ ANTHROPIC_BASE_URL: 'not a url' }, /ANTHROPIC_BASE_URL must be a URL/],
  ])('rejects %o with an error naming the variable', (env, message) => {
    expect(() => configFromEnv(env)).toThrow(TypeError);
    expect(() => configFromEnv(env)).toThrow(message);
  });
});

describe('example HTTP API: client options', () => {
  it('requires at least one provider', () => {
    expect(() => createExampleLLM({})).toThrow(/at least one of openai or anthropic/);
  });

  it('names a bad provider field without echoing the key', () => {
    const bad = () => createExampleLLM({ openai: { apiKey: 'sk-secret-1', model: '', baseURL: 'nope' } });
    expect(bad).toThrow(/model must be a non-empty string[\s\S]*at openai\.model/);
    expect(bad).toThrow(/baseURL must be a URL[\s\S]*at openai\.baseURL/);
    expect(bad).not.toThrow(/sk-secret-1/);
  });
});
