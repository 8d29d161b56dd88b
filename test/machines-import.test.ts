/**
 * Users import `requestMachine` and invoke it inside their own statecharts with their own steps and actors.
 */
import { describe, expect, it } from 'vitest';
import { assign, createActor, raise, setup, toPromise } from 'xstate';
import { requestMachine } from '../machines/index.js';
import type { RequestInput, RequestOutput } from '../machines/request-types.js';

const input: RequestInput = {
  requestId: 'chat-1',
  request: { messages: [{ role: 'user', content: 'hi' }] },
  settings: {
    maxAttempts: 2,
    maxReprompts: 0,
    timeoutRetries: 1,
    attemptMs: 1_000,
    totalMs: 10_000,
    baseMs: 1,
    maxMs: 2,
    jitter: 'none',
    rateLimitWait: 'lastResort',
    firstTokenMs: 1_000,
    idleMs: 1_000,
  },
  features: {
    schema: false,
    cache: false,
    simplified: false,
    rewrite: false,
    truncate: false,
    resumeStream: false,
  },
  mode: 'call',
  providerCount: 1,
  startedAt: 0,
  fallback: 'canned reply',
};

/** The user's lifecycle: their own provider call, no resilient-llm client at all. */
function lifecycleWith(answer: (attempt: number) => Promise<string>) {
  let selected = 0;
  return requestMachine.provide({
    // The synchronous steps: entry actions raising their result in the same macrostep.
    actions: {
      selectProvider: raise(() => ({
        type: 'select.done',
        output: { provider: selected++ === 0 ? { id: 'mine' } : null, skipped: [], at: 0 },
      })),
      prepareRequest: raise(({ context }) => ({
        type: 'prepare.done',
        output: { request: context.base, truncated: false, at: 0 },
      })),
      validateOutput: raise(({ context }) => ({
        type: 'validate.done',
        output: { data: context.lastText, at: 0 },
      })),
      // The attempt: an entry action that starts the call and sends its outcome back to the lifecycle.
      callProvider: ({ context, self }) => {
        answer(context.attemptsOnProvider).then(
          (text) => self.send({ type: 'attempt.done', output: { text, at: 0 } }),
          (error: unknown) =>
            self.send({
              type: 'attempt.failed',
              failure: {
                error: { name: 'LLMError', type: 'provider_error', message: String(error), retryable: true },
                at: 0,
              },
            }),
        );
      },
    },
  });
}

/** A chat machine that invokes the lifecycle and reacts to how it ended. */
function chatMachine(lifecycle: typeof requestMachine) {
  return setup({
    types: {
      context: {} as { reply: string; source: string },
      output: {} as { reply: string; source: string },
    },
    actors: { lifecycle },
    actions: {
      keepAnswer: assign(({ event }) => {
        const output = (event as unknown as { output: RequestOutput }).output;
        return output.status === 'succeeded'
          ? { reply: output.answer.text, source: output.answer.source }
          : { reply: `error: ${output.error.type}`, source: 'none' };
      }),
    },
  }).createMachine({
    id: 'chat',
    context: { reply: '', source: '' },
    initial: 'thinking',
    states: {
      thinking: {
        description: 'Waiting for the lifecycle to settle.',
        invoke: {
          src: 'lifecycle',
          input: () => input,
          onDone: { target: 'answered', actions: 'keepAnswer' },
        },
      },
      answered: { type: 'final', description: 'Shows the reply.' },
    },
    output: ({ context }) => context,
  });
}

describe('importing the machines', () => {
  it('invokes the lifecycle with the user’s own actors and reads its output', async () => {
    const actor = createActor(chatMachine(lifecycleWith(async () => 'hello from my model'))).start();
    expect(await toPromise(actor)).toEqual({ reply: 'hello from my model', source: 'primary' });
  });

  it('reacts to the lifecycle degrading to its fallback', async () => {
    const actor = createActor(
      chatMachine(lifecycleWith(async () => Promise.reject(new Error('down')))),
    ).start();
    expect(await toPromise(actor)).toEqual({ reply: 'canned reply', source: 'fallback' });
  });

  it('names every guard, action, actor and delay, so the diagram can label them', () => {
    const inline: string[] = [];
    const names = new Set<string>();
    const visit = (node: typeof requestMachine.root) => {
      const transitions = [...node.transitions.values()].flat().concat(node.always ?? []);
      for (const t of transitions) {
        const guard = t.guard as unknown;
        const nameOf = (g: unknown) =>
          typeof g === 'string' ? g : (g as { type?: string } | undefined)?.type;
        if (typeof guard === 'function' && !('guards' in guard)) inline.push(`${node.id} guard`);
        else if (typeof guard === 'function') {
          for (const g of (guard as unknown as { guards: unknown[] }).guards) {
            const name = nameOf(g);
            if (name) names.add(name);
            else inline.push(`${node.id} guard`);
          }
        } else if (guard !== undefined) names.add(nameOf(guard) ?? 'inline');
        for (const a of t.actions) {
          const type = typeof a === 'string' ? a : (a as { type?: string }).type;
          if (!type || type.includes('inline')) inline.push(`${node.id} action`);
          else names.add(type);
        }
      }
      for (const i of node.invoke) names.add(String(i.src));
      for (const a of [...node.entry, ...node.exit]) {
        const type = typeof a === 'string' ? a : (a as { type?: string }).type;
        if (type) names.add(type);
      }
      for (const child of Object.values(node.states)) visit(child as typeof requestMachine.root);
    };
    visit(requestMachine.root);
    expect(inline).toEqual([]);
    for (const name of [
      'canBackoff',
      'canReprompt',
      'retryBudgetAllows',
      'recordFailure',
      'callProvider',
      'decide',
    ]) {
      expect(names).toContain(name);
    }
    expect(JSON.stringify(requestMachine.toJSON())).toContain('"delay":"attemptTimeout"');
  });
});
