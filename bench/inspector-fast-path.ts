/**
 * Fast path on or off while an inspector is attached (not a unit test): a client with a bridge to a real
 * relay on loopback makes uneventful calls; reports CPU µs per call and wire events per call in both modes
 * (3 alternating runs each, median and spread). Run: `npx tsx bench/inspector-fast-path.ts` (env: CALLS).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { createInspectBridge } from '../src/inspect/bridge.js';
import { createInspectorRelay } from '../src/inspect/relay.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

const CALLS = Number(process.env.CALLS ?? 5_000);
const relay = createInspectorRelay({ token: 'bench' });
const http = createServer();
relay.attach(http);
await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/__resilient/ws?token=bench`;

async function run(fastPath: boolean): Promise<{ cpuUsPerCall: number; eventsPerCall: number }> {
  const bridge = createInspectBridge({ url, name: `bench-${fastPath}`, maxBuffer: 1_000_000 });
  const llm = createResilientLLM({
    providers: [faultyProvider({ id: 'alpha', script: [{ text: 'ok' }] })],
    inspect: bridge.observer,
    fastPath,
  });
  bridge.attach(llm);
  while (!bridge.connected) await new Promise((r) => setTimeout(r, 10));
  const ask = () => llm.call({ messages: [{ role: 'user', content: 'q' }] });
  for (let i = 0; i < 200; i++) await ask(); // warm up
  const observed = bridge.observedTotal;
  const cpu = process.cpuUsage();
  for (let i = 0; i < CALLS; i += 50) await Promise.all(Array.from({ length: 50 }, ask));
  const used = process.cpuUsage(cpu);
  const result = {
    cpuUsPerCall: (used.user + used.system) / CALLS,
    eventsPerCall: (bridge.observedTotal - observed) / CALLS,
  };
  await llm.stop();
  await bridge.close();
  return result;
}

const rows: Record<string, Array<{ cpuUsPerCall: number; eventsPerCall: number }>> = { on: [], off: [] };
for (let rep = 0; rep < 3; rep++) {
  rows.on?.push(await run(true));
  rows.off?.push(await run(false));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const summary = Object.fromEntries(
  Object.entries(rows).map(([mode, list]) => {
    const cpu = list.map((r) => r.cpuUsPerCall);
    return [
      mode,
      {
        cpuUsPerCall: +median(cpu).toFixed(1),
        spread: [+Math.min(...cpu).toFixed(1), +Math.max(...cpu).toFixed(1)],
        eventsPerCall: +median(list.map((r) => r.eventsPerCall)).toFixed(1),
      },
    ];
  }),
);
console.log(JSON.stringify({ calls: CALLS, fastPath: summary }, null, 2));
await relay.close();
http.close();
