/**
 * The request lifecycle as an XState v5 statechart: one actor per call. It decides; the runtime in `src/`
 * acts, through what it supplies with `requestMachine.provide({ actions, actors })`: the synchronous steps
 * (selection, the fit check, validation) as entry actions that raise their `*.done` / `*.failed` event in the
 * same macrostep, the attempt as an entry action that starts the provider call (it sends `attempt.done` or
 * `attempt.failed` back) and an exit action that stops it, and what else waits (a stream, a hedge, the cache,
 * hooks) as invoked actors.
 *
 * selecting → preparing → attempting → validating → (storing) → succeeded, with every failure routed
 * through `deciding`: back off, retry, re-prompt, rewrite, truncate, fail over or fail. When no provider is
 * left: degrading through cache → simplified prompt → static fallback. The caller's abort and the total
 * deadline apply from any state.
 */
import { and } from 'xstate';
import { hedgeExcluded } from './hedge-logic.js';
import { initialContext } from './request-logic.js';
import { requestSetup } from './request-setup.js';

/** Fail over: leave this provider for the rest of the call and select the next one (no transient state between). */
const failOver = [{ type: 'decide', params: { decision: 'failover' } }, 'excludeProvider'] as const;

/**
 * Into the attempt: `streaming` for a stream, `attempting` for a call, after the same actions. The mode is
 * checked before any other guard, so a guard with an effect (`retryBudgetAllows` takes a token) is asked only
 * on the branch that will be taken.
 */
function toAttempt<const A>(actions: A, guards: readonly ('canRetryTimeout' | 'retryBudgetAllows')[] = []) {
  return [
    { guard: and(['isStreamMode', ...guards]), target: 'streaming', actions },
    { guard: and(['isCallMode', ...guards]), target: 'attempting', actions },
  ] as const;
}

const toDegradeAfterCache = [
  { guard: 'canSimplify', target: 'simplified' },
  { guard: 'hasFallback', target: 'fallback' },
  { target: '#request.failed', actions: 'settleFailure' },
] as const;

/** The request-lifecycle statechart. Provide its actors (and optionally `guards.retryBudgetAllows`, `delays.backoffDelay`). */
export const requestMachine = requestSetup.createMachine({
  id: 'request',
  description:
    'One LLM call, from provider selection to an answer (primary, cache, simplified or fallback) or an error.',
  context: ({ input }) => initialContext(input),
  initial: 'active',
  on: {
    'request.abort': { target: '.failed', actions: 'assignAborted' },
  },
  states: {
    active: {
      description: 'Trying providers; the total deadline runs from here.',
      initial: 'selecting',
      after: {
        totalDeadline: { target: 'degrading', actions: 'markDeadlinePassed' },
      },
      states: {
        selecting: {
          description:
            'Picks the next provider in routing order (priority by default), skipping disabled, excluded and circuit-open ones; providers held back by their rate-limit admission (paused after an account-wide Retry-After, shed in proportion to recent 429s, or to what their rate-limit headers say is left) or by their adaptive concurrency limit go last, and every skip is recorded in attempts with its reason.',
          entry: 'selectProvider',
          on: {
            'select.done': [
              { guard: 'foundProvider', target: 'preparing', actions: 'useSelectedProvider' },
              { target: '#request.degrading', actions: 'recordSkipped' },
            ],
          },
        },
        preparing: {
          description: "Checks the request against the provider's context window and truncates it if needed.",
          entry: 'prepareRequest',
          on: {
            // Straight to the attempt: a call or a stream (no transient state between, one microstep less per call).
            'prepare.done': toAttempt('usePreparedRequest'),
            'prepare.failed': { target: 'deciding', actions: 'recordPrepareFailure' },
          },
        },
        streaming: {
          description:
            'One streamed attempt holding a breaker permit: tokens go to the caller as they arrive; before the first token a failure fails over like a call, after it the stream cannot be silently retried.',
          entry: 'startAttempt',
          invoke: {
            id: 'streamProvider',
            src: 'streamProvider',
            input: ({ context }) => ({
              requestId: context.requestId,
              request: context.request,
              provider: context.provider,
              attempt: context.attemptsOnProvider,
            }),
          },
          on: {
            'stream.end': { target: 'validating', actions: 'recordStreamEnd' },
            'stream.failed': { target: 'deciding', actions: 'recordStreamFailure' },
          },
          initial: 'awaitingFirstToken',
          states: {
            awaitingFirstToken: {
              description: 'Waits for the first token under the first-token deadline.',
              on: { 'stream.token': { target: 'receiving', actions: 'recordToken' } },
              after: {
                firstTokenTimeout: {
                  target: '#request.active.deciding',
                  actions: { type: 'recordStreamTimeout', params: { code: 'first_token_timeout' } },
                },
              },
            },
            receiving: {
              description: 'Forwards tokens; each one restarts the idle deadline.',
              on: { 'stream.token': { target: 'receiving', reenter: true, actions: 'recordToken' } },
              after: {
                idleTimeout: {
                  target: '#request.active.deciding',
                  actions: { type: 'recordStreamTimeout', params: { code: 'stream_idle' } },
                },
              },
            },
          },
        },
        attempting: {
          description:
            'One call to the provider under the per-attempt timeout, holding a breaker permit; with hedging on, a hedge on another provider may race it.',
          entry: ['startAttempt', 'callProvider'],
          // A race is planned for this attempt only: if the attempt ends first (its retry refused by the breaker),
          // the call's next attempt must not inherit a hedge at once.
          exit: ['stopAttempt', 'endRace'],
          on: {
            'attempt.done': { target: 'validating', actions: 'recordAnswer' },
            'attempt.failed': [
              // In a racing mode, a failure that would be raced is retried here at once, beside the hedge already
              // running (it took the call's hedge, so no race could follow); same window, decision `retry`.
              {
                guard: and(['hedgeInFlight', 'canRetryBesideHedge', 'retryBudgetAllows']),
                actions: ['retryBesideHedge', 'callProvider'],
                description:
                  'Retry beside the hedge: the attempt failed while a hedge runs; the same provider is asked again at once, and the first answer of the two wins.',
              },
              // A racing hedge carries on as the call's attempt; the failure is recorded with decision `hedge`.
              { guard: 'hedgeInFlight', actions: 'yieldToHedge' },
              { target: 'deciding', actions: 'recordFailure' },
            ],
          },
          after: {
            attemptTimeout: { target: 'deciding', actions: 'recordTimeout' },
          },
          initial: 'waiting',
          states: {
            waiting: {
              description:
                'The attempt runs alone; a race planned after a failure starts its hedge at once, else when a hedge may start (hedging on, budget and another provider left) its delay is armed.',
              // No hedge timer for a call that cannot hedge (hedging off, the default): a timer per attempt costs.
              // A race needs none either: its hedge starts with the retry, before the retry can fail.
              always: [
                { guard: 'canStartRace', target: 'hedging' },
                { guard: 'canHedge', target: 'hedgePending' },
              ],
            },
            hedgePending: {
              description:
                'The attempt runs alone with a hedge due: once the hedge delay passes (a fixed time, or a quantile of the provider’s observed latency) a hedge starts.',
              after: { hedgeDelay: { guard: 'canHedge', target: 'hedging' } },
            },
            hedging: {
              description:
                'A hedge of the same request on the next eligible provider races the attempt; the first answer wins and the other is aborted (recorded as cancelled, never a breaker failure).',
              entry: 'countHedge',
              exit: 'endRace',
              invoke: {
                id: 'hedgeProvider',
                src: 'hedgeProvider',
                input: ({ context }) => ({
                  requestId: context.requestId,
                  request: context.request,
                  excluded: hedgeExcluded(context),
                  race: context.raceNow,
                }),
              },
              on: {
                'hedge.refused': {
                  target: 'waiting',
                  description: 'No hedge: the hedge budget is spent or no other provider can take it.',
                  actions: 'recordHedgeRefused',
                },
                'hedge.answered': { target: '#request.active.validating', actions: 'useHedgeAnswer' },
                'hedge.failed': [
                  { guard: 'primaryRunning', target: 'waiting', actions: 'recordHedgeFailure' },
                  { target: '#request.active.deciding', actions: 'recordHedgeFailure' },
                ],
              },
              initial: 'launching',
              states: {
                launching: {
                  description: 'Selects the hedge’s provider and asks the hedge budget.',
                  on: { 'hedge.started': { target: 'racing', actions: 'useHedgeProvider' } },
                },
                racing: {
                  description: 'Two attempts in flight on two providers.',
                },
              },
            },
          },
        },
        validating: {
          description: "Extracts JSON from the answer and checks it against the caller's schema.",
          entry: 'validateOutput',
          on: {
            'validate.done': [
              { guard: 'shouldCache', target: '#request.storing', actions: 'useValidatedData' },
              { target: '#request.succeeded', actions: 'useValidatedData' },
            ],
            'validate.failed': { target: 'deciding', actions: 'recordInvalidOutput' },
          },
        },
        deciding: {
          description: 'Routes a failed attempt by its error type (the taxonomy table).',
          always: [
            {
              guard: and(['streamCommitted', 'canResumeStream']),
              target: 'selecting',
              actions: [
                { type: 'decide', params: { decision: 'resume' } },
                'carryPartialAnswer',
                'excludeProvider',
              ],
            },
            {
              guard: 'streamCommitted',
              target: '#request.failed',
              actions: [{ type: 'decide', params: { decision: 'fail' } }, 'settleFailure'],
            },
            {
              guard: 'isFailFast',
              target: '#request.failed',
              actions: [{ type: 'decide', params: { decision: 'fail' } }, 'settleFailure'],
            },
            {
              guard: 'canReprompt',
              target: 'reprompting',
              actions: { type: 'decide', params: { decision: 'reprompt' } },
            },
            {
              guard: 'canRewrite',
              target: 'rewriting',
              actions: { type: 'decide', params: { decision: 'rewrite' } },
            },
            {
              guard: 'canTruncate',
              target: 'preparing',
              actions: { type: 'decide', params: { decision: 'truncate' } },
            },
            {
              guard: and(['canRaceAfterFailure', 'retryBudgetAllows']),
              target: 'attempting', // calls only: streams never hedge
              actions: [{ type: 'decide', params: { decision: 'hedge' } }, 'planRace'],
            },
            ...toAttempt({ type: 'decide', params: { decision: 'retry' } }, [
              'canRetryTimeout',
              'retryBudgetAllows',
            ]),
            {
              guard: and(['canBackoff', 'retryBudgetAllows']),
              target: 'backingOff',
              actions: [{ type: 'decide', params: { decision: 'backoff' } }, 'planBackoff'],
            },
            { target: 'selecting', actions: failOver },
          ],
        },
        backingOff: {
          description:
            'Waits (Retry-After first, else exponential backoff with jitter) before retrying the same provider.',
          after: {
            backoffDelay: toAttempt('finishBackoff'),
          },
        },
        reprompting: {
          description:
            'Re-asks the same provider with the original request plus what was wrong with the answer.',
          always: { target: 'attempting', actions: 'applyReprompt' }, // calls only: a stream has no schema
        },
        rewriting: {
          description: "Asks the user's rewrite hook for a request the content filter accepts.",
          invoke: {
            id: 'rewritePrompt',
            src: 'rewritePrompt',
            input: ({ context }) => ({
              requestId: context.requestId,
              base: context.base,
              lastError: context.lastError,
            }),
            onDone: [
              { guard: 'gotRewrite', target: 'preparing', actions: 'applyRewrite' },
              { target: 'selecting', actions: failOver },
            ],
            onError: { target: 'selecting', actions: failOver },
          },
        },
      },
    },
    degrading: {
      description: 'No provider answered: cache, then a simplified prompt, then the static fallback.',
      initial: 'choosing',
      states: {
        choosing: {
          description: 'Picks the first degradation step that is configured.',
          always: [
            // Text already streamed to the caller cannot be followed by a different, degraded answer.
            { guard: 'hasStreamed', target: '#request.failed', actions: 'settleFailure' },
            { guard: 'hasCache', target: 'cache' },
            ...toDegradeAfterCache,
          ],
        },
        cache: {
          description: "Looks up an earlier schema-valid answer under the caller's cache key.",
          invoke: {
            id: 'readCache',
            src: 'readCache',
            input: ({ context }) => ({ requestId: context.requestId }),
            onDone: [
              { guard: 'isCacheHit', target: '#request.succeeded', actions: 'useCachedAnswer' },
              ...toDegradeAfterCache,
            ],
            onError: [...toDegradeAfterCache],
          },
        },
        simplified: {
          description: 'Sends the simplified prompt to any provider still able to answer.',
          invoke: {
            id: 'callSimplified',
            src: 'callSimplified',
            input: ({ context }) => ({
              requestId: context.requestId,
              excluded: context.excluded,
              deadlineAt: context.deadlineAt,
            }),
            onDone: [
              { guard: 'gotSimplifiedAnswer', target: '#request.succeeded', actions: 'useSimplifiedAnswer' },
              { guard: 'hasFallback', target: 'fallback', actions: 'recordSimplifiedAttempts' },
              { target: '#request.failed', actions: ['recordSimplifiedAttempts', 'settleFailure'] },
            ],
          },
        },
        fallback: {
          description: 'Answers with the static fallback text.',
          always: { target: '#request.succeeded', actions: 'useFallback' },
        },
      },
    },
    storing: {
      description:
        'Stores the schema-valid answer under the caller’s cache key, outside the deadline (the answer is already good); a cache failure never fails the call.',
      invoke: {
        id: 'writeCache',
        src: 'writeCache',
        input: ({ context }) => ({ requestId: context.requestId, answer: context.answer }),
        onDone: { target: '#request.succeeded' },
        onError: { target: '#request.succeeded' },
      },
    },
    succeeded: { type: 'final', description: 'Settled with an answer and the source it came from.' },
    failed: { type: 'final', description: 'Settled with an LLMError.' },
  },
  output: ({ context }) =>
    context.answer && context.error === null
      ? {
          status: 'succeeded',
          answer: context.answer,
          attempts: context.attempts,
          finishedAt: context.clockMs,
        }
      : {
          status: 'failed',
          error: context.error ??
            context.lastError ?? { name: 'LLMError', type: 'unknown', message: 'failed', retryable: false },
          attempts: context.attempts,
          finishedAt: context.clockMs,
          partialText: context.streamedText,
        },
});
