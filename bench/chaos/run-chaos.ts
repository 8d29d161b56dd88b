/**
 * Part 2, chaos over loopback: starts the fault server (in this process), runs every contender in its own
 * process against the identical seeded schedule, and reads upstream calls from the server's request log.
 */
import { createFaultServer } from '../../src/testing/fault-server/create-fault-server.js';
import { requestNumber } from '../../src/testing/fault-server/schedule.js';
import type { FaultRequestRecord } from '../../src/testing/fault-server/types.js';
import { runChild } from '../lib/child.js';
import { PEERS, type PeerName } from './peers.js';
import { chaosScenario, inOutage, OUTAGE, PROVIDERS, SEED } from './scenario.js';

/** What the worker reports for one contender. */
export interface PeerReport {
  peer: PeerName;
  requests: number;
  realAnswers: number;
  fallbacks: number;
  thrown: number;
  answeredBy: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  wallMs: number;
  cpuMs: number;
  idMismatches: number;
  /** Reported by contenders that expose their attempts (resilient-llm); zeros otherwise. */
  backoff: {
    requestsThatWaited: number;
    slowestOnePercent: number;
    slowestThatWaited: number;
    slowestMeanWaitMs: number;
  };
}

/** What the fault server saw for one contender. */
export interface UpstreamReport {
  calls: Record<string, number>;
  /** Calls to A for request ids inside its outage. */
  aCallsInOutage: number;
  /** Real answers A gave to request ids outside its outage (before and after it). */
  aAnswersOutsideOutage: number;
  /** Real answers A gave to request ids after its outage. */
  aAnswersAfterOutage: number;
  /** Calls to A by outcome. */
  aOutcomes: Record<string, number>;
}

/** One contender's full row. */
export type ChaosRow = PeerReport & { upstream: UpstreamReport };

/** Upstream figures of one contender, from the fault server's request log. */
export function upstreamOf(log: readonly FaultRequestRecord[]): UpstreamReport {
  const calls: Record<string, number> = Object.fromEntries(PROVIDERS.map((p) => [p, 0]));
  const aOutcomes: Record<string, number> = {};
  let aCallsInOutage = 0;
  let aAnswersOutsideOutage = 0;
  let aAnswersAfterOutage = 0;
  for (const record of log) {
    calls[record.provider] = (calls[record.provider] ?? 0) + 1;
    if (record.provider !== 'a') continue;
    aOutcomes[record.outcome] = (aOutcomes[record.outcome] ?? 0) + 1;
    const n = requestNumber(record.requestId) ?? -1;
    if (inOutage(n)) aCallsInOutage++;
    else if (record.outcome === 'ok') {
      aAnswersOutsideOutage++;
      if (n > OUTAGE[1]) aAnswersAfterOutage++;
    }
  }
  return { calls, aCallsInOutage, aAnswersOutsideOutage, aAnswersAfterOutage, aOutcomes };
}

/**
 * Groups of contenders run at the same time (each on its own fault server with the same seed and scenario).
 * Only the two SDK peers share a slot: they spend most of their time asleep in backoff (AI SDK: 2 s then
 * 4 s), and running them side by side keeps the whole part near 3 minutes.
 */
export const CHAOS_GROUPS: readonly (readonly PeerName[])[] = [
  ['oracle'],
  ['resilient-llm'],
  ['resilient-llm-openMs-2s'],
  ['cockatiel'],
  ['opossum'],
  ['openai-sdk', 'ai-sdk'],
];

async function runPeer(peer: PeerName): Promise<ChaosRow> {
  const server = await createFaultServer({ seed: SEED, scenario: chaosScenario });
  try {
    const started = Date.now();
    const report = await runChild<PeerReport>('chaos/peer-worker.ts', [peer, server.url], {
      timeoutMs: 240_000,
    });
    const upstream = upstreamOf(server.requests());
    console.error(
      `chaos ${peer}: p99 ${report.latencyMs.p99} ms, fallbacks ${report.fallbacks}, A calls in outage ${upstream.aCallsInOutage} (${Math.round((Date.now() - started) / 1000)} s)`,
    );
    return { ...report, upstream };
  } finally {
    await server.close();
  }
}

/** Runs the chaos benchmark for `peers` (all by default), group by group. */
export async function runChaos(peers: readonly PeerName[] = PEERS): Promise<ChaosRow[]> {
  const rows: ChaosRow[] = [];
  for (const group of CHAOS_GROUPS) {
    const wanted = group.filter((p) => peers.includes(p));
    rows.push(...(await Promise.all(wanted.map(runPeer))));
  }
  return PEERS.flatMap((p) => rows.filter((r) => r.peer === p));
}
