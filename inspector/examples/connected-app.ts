/**
 * A small app connected to the inspector: two simulated providers, a request every 200 ms, and the
 * breaker's state changes printed (`breaker <provider> <from> -> <to>`), so you can watch ops controls
 * from the page act on it. Run: `RESILIENT_LLM_INSPECT='ws://127.0.0.1:5173/__resilient/ws?token=…'
 * npx tsx inspector/examples/connected-app.ts`.
 */
import { createResilientLLM } from 'resilient-llm';
import { createInspectBridge } from 'resilient-llm/inspect';
import { faultyProvider } from 'resilient-llm/testing';

const url = process.env.RESILIENT_LLM_INSPECT;
if (!url) {
  console.error('Set RESILIENT_LLM_INSPECT to the URL the inspector printed.');
  process.exit(2);
}

const bridge = createInspectBridge({ url, name: 'connected-app' });
const llm = createResilientLLM({
  providers: [
    faultyProvider({
      id: 'openai-sim',
      priority: 0,
      script: () => ({ text: 'hello from openai-sim', delayMs: 30 }),
    }),
    faultyProvider({
      id: 'anthropic-sim',
      priority: 1,
      script: () => ({ text: 'hello from anthropic-sim', delayMs: 50 }),
    }),
  ],
  degradation: { fallback: 'Busy, try later.' },
  inspect: bridge.observer,
});
bridge.attach(llm);

for (const { id } of llm.providers()) {
  llm.breaker(id).onTransition((t) => console.log(`breaker ${id} ${t.from} -> ${t.to}`));
}

const timer = setInterval(() => {
  llm.call({ messages: [{ role: 'user', content: 'Say hello' }] }).then(
    (r) => console.log(`answer ${r.requestId} ${r.source} ${r.provider ?? '-'}`),
    (e: unknown) => console.log(`error ${(e as Error).message}`),
  );
}, 200);

const stop = async () => {
  clearInterval(timer);
  await llm.stop();
  await bridge.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
console.log('connected-app started');
