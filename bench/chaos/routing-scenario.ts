/**
 * One run of the `routing` part for the scenario in `BENCH_SCENARIO` (a child of `run-routing.ts`): every
 * contender in its own process against its own fault server with the same seed, at the common settings
 * (`resilient-llm-defaults` at pure defaults), one after another so they do not share the CPU.
 */
import { loadavg } from 'node:os';
import { createFaultServer } from '../../src/testing/fault-server/create-fault-server.js';
import { requestNumber } from '../../src/testing/fault-server/schedule.js';
import type { FaultRequestRecord } from '../../src/testing/fault-server/types.js';
import { emitResult, runChild } from '../lib/child.js';
import type { PeerName } from './peers.js';
import { type ChaosRow, type PeerReport, upstreamOf } from './run-chaos.js';
import { chaosScenario, inOutage, LATENCY_MS, SCENARIO, SEED } from './scenario.js';

/** Contenders of the routing part, in report order. */
const ROUTING_PEERS: readonly PeerName[] = (
  [
    'oracle',
    'openai-sdk',
    'ai-sdk',
    'cockatiel',
    'opossum',
    'resilient-llm',
    'resilient-llm-defaults',
    'resilient-llm-adaptive',
    'resilient-llm-hedged',
    'resilient-llm-race',
  ] as PeerName[]
).filter((peer) => {
  // BENCH_ROUTING_PEERS=a,b runs only those contenders (short checks; the full report runs them all).
  const only = process.env.BENCH_ROUTING_PEERS?.split(',');
  return only === undefined || only.includes(peer);
});

/** A routing row: the chaos row plus the reactive bound on calls to A in its outage. */
export type RoutingRow = ChaosRow & {
  /** Calls to A for in-outage ids that arrived before A's first 503 could have returned. */
  reactiveBound: number;
  /** Upstream calls beyond one per request. */
  extraUpstream: number;
};

/** What one scenario run reports. */
export interface RoutingRun {
  scenario: string;
  rows: RoutingRow[];
  loadavg: { before: number[]; after: number[] };
  /** When the run started (ISO time; absent in older results). */
  startedAt?: string;
}

function reactiveBoundOf(log: readonly FaultRequestRecord[]): number {
  const inOutageA = log.filter((r) => r.provider === 'a' && inOutage(requestNumber(r.requestId) ?? -1));
  const first = inOutageA[0];
  if (first === undefined) return 0;
  return inOutageA.filter((r) => r.at <= first.at + LATENCY_MS.a).length;
}

async function runPeer(peer: PeerName): Promise<RoutingRow> {
  const server = await createFaultServer({ seed: SEED, scenario: chaosScenario });
  try {
    const settings = peer === 'resilient-llm-defaults' ? 'defaults' : 'common';
    const report = await runChild<PeerReport>('chaos/peer-worker.ts', [peer, server.url], {
      timeoutMs: 300_000,
      env: { BENCH_SETTINGS: settings },
    });
    const log = server.requests();
    const upstream = upstreamOf(log);
    const total = Object.values(upstream.calls).reduce((sum, n) => sum + n, 0);
    console.error(
      `routing ${SCENARIO} ${peer}: p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, A answers ${upstream.aAnswersOutsideOutage}, extra calls ${total - report.requests}`,
    );
    return {
      ...report,
      upstream,
      reactiveBound: reactiveBoundOf(log),
      extraUpstream: total - report.requests,
    };
  } finally {
    await server.close();
  }
}

const peers = (process.env.BENCH_ROUTING_PEERS?.split(',') as PeerName[] | undefined) ?? ROUTING_PEERS;
const before = loadavg();
const startedAt = new Date().toISOString();
const rows: RoutingRow[] = [];
for (const peer of peers) rows.push(await runPeer(peer));
emitResult({
  scenario: SCENARIO,
  rows,
  loadavg: { before, after: loadavg() },
  startedAt,
} satisfies RoutingRun);
process.exit(0);
