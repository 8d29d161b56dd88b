/**
 * A child process for the multi-process Redis test: one circuit breaker (id `shared`) on a `redisStore`,
 * driven by JSON lines on stdin and reporting on stdout. Run with `node --import tsx`.
 *
 * Env: REDIS_URL, PREFIX. Out: `{type:'ready'}` once mirroring Redis, `{type:'transition',to,reason}` on
 * every state change, `{type:'reply',id,...}` per command. Commands: `fail` (n failing calls), `call` (one
 * call), `probe` (try for `ms` to get permits, holding them), `release` (release held permits as
 * successes), `exit`.
 */
import { createInterface } from 'node:readline';
import { type BreakerPermit, createCircuitBreaker } from '../../src/breaker/index.js';
import { LLMError } from '../../src/errors/llm-error.js';
import { redisStore } from '../../src/redis/index.js';

const url = process.env.REDIS_URL;
if (url === undefined) throw new Error('REDIS_URL is required');
const store = redisStore({ url, prefix: process.env.PREFIX ?? 'procs:', refreshMs: 60_000 });
const breaker = createCircuitBreaker({
  id: 'shared',
  failureThreshold: 3,
  successThreshold: 2,
  openMs: 400,
  halfOpenMaxCalls: 2,
  store,
});
const out = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
breaker.onTransition(({ to, reason }) => out({ type: 'transition', to, reason }));
const ready = setInterval(() => {
  if (breaker.actor.getSnapshot().context.source !== 'store') return;
  clearInterval(ready);
  out({ type: 'ready', pid: process.pid });
}, 5);

const held: BreakerPermit[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Command = { id: number; cmd: 'fail' | 'call' | 'probe' | 'release' | 'exit'; n?: number; ms?: number };

async function run(command: Command): Promise<object> {
  switch (command.cmd) {
    case 'fail':
      for (let i = 0; i < (command.n ?? 1); i++) {
        await breaker
          .execute(async () => Promise.reject(new LLMError({ type: 'provider_error' })))
          .catch(() => {});
      }
      return { state: breaker.state };
    case 'call':
      return breaker
        .execute(async () => 'ok')
        .then(
          () => ({ ok: true }),
          (error: LLMError) => ({ ok: false, code: error.code }),
        );
    case 'probe': {
      const until = Date.now() + (command.ms ?? 500);
      while (Date.now() < until) {
        const result = breaker.tryAcquire();
        if (result.ok) held.push(result.permit);
        await sleep(2);
      }
      return { granted: held.length, state: breaker.state };
    }
    case 'release':
      for (const permit of held.splice(0)) permit.release({ kind: 'success', durationMs: 1 });
      return { state: breaker.state };
    case 'exit':
      breaker.stop();
      await store.close();
      setImmediate(() => process.exit(0));
      return {};
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command;
  run(command).then((reply) => out({ type: 'reply', id: command.id, ...reply }));
});
