import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import {
  activeStateIds,
  buildLayoutInput,
  type ElkInputEdge,
  type ElkInputNode,
  type StateJson,
  transitionKey,
} from '../inspector/src/layout-input.js';
import { circuitBreakerMachine } from '../machines/circuit-breaker.js';
import { requestMachine } from '../machines/request.js';
import { describeMachine } from '../src/inspect/definition.js';

const jsonOf = (machine: Parameters<typeof describeMachine>[0]) => describeMachine(machine).json as StateJson;
const breaker = buildLayoutInput(jsonOf(circuitBreakerMachine));
const request = buildLayoutInput(jsonOf(requestMachine));

function allNodes(node: ElkInputNode): ElkInputNode[] {
  return (node.children ?? []).flatMap((child) => [child, ...allNodes(child)]);
}
const edges = (input: typeof breaker) => input.graph.edges ?? [];
const labelOf = (edge: ElkInputEdge | undefined) => edge?.labels?.[0]?.text;
function edgesFrom(input: typeof breaker, source: string, target: string): ElkInputEdge[] {
  return edges(input).filter((e) => e.sources[0] === source && e.targets[0] === target);
}

describe('layout input from machine JSON', () => {
  it('has one node per state of the breaker, nested as in the machine', () => {
    const ids = allNodes(breaker.graph).map((n) => n.id);
    for (const state of ['closed', 'open', 'halfOpen', 'forcedOpen', 'disabled'])
      expect(ids).toContain(`circuitBreaker.${state}`);
    const active = allNodes(request.graph).find((n) => n.id === 'request.active');
    expect(active?.children?.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'request.active.selecting',
        'request.active.attempting',
        'request.active.deciding',
      ]),
    );
  });

  it('labels delayed, guarded and ops transitions with event, guard and delay', () => {
    expect(edgesFrom(breaker, 'circuitBreaker.open', 'circuitBreaker.halfOpen').map(labelOf).sort()).toEqual([
      'after openDuration',
      'breaker.restore [isOpenElapsed]',
    ]);
    expect(edgesFrom(breaker, 'circuitBreaker.closed', 'circuitBreaker.open').map(labelOf).sort()).toEqual([
      'breaker.failure [tripsCircuit]',
      'breaker.success [tripsCircuit]',
    ]);
    expect(labelOf(edgesFrom(breaker, 'circuitBreaker::any', 'circuitBreaker.forcedOpen')[0])).toBe(
      'breaker.forceOpen',
    );
  });

  it('keeps eventless transitions and composite guards that toJSON leaves out', () => {
    expect(labelOf(edgesFrom(request, 'request.active.deciding', 'request.active.reprompting')[0])).toBe(
      'always [canReprompt]',
    );
    expect(labelOf(edgesFrom(request, 'request.active.deciding', 'request.active.backingOff')[0])).toBe(
      'always [and(canBackoff, retryBudgetAllows)]',
    );
    expect(labelOf(edgesFrom(request, 'request.active.attempting', 'request.active.validating')[0])).toBe(
      'attempt.done',
    );
    expect(labelOf(edgesFrom(request, 'request.active.attempting', 'request.active.deciding')[0])).toMatch(
      /^(attempt\.failed|after attemptTimeout)$/,
    );
  });

  it('puts targetless transitions inside their state as notes, not edges', () => {
    expect(breaker.nodes.get('circuitBreaker.closed')?.notes).toContain('breaker.acquire / grantPermit');
    expect(edges(breaker).every((e) => e.targets.length === 1)).toBe(true);
  });

  it('draws an initial marker into each compound state', () => {
    expect(edgesFrom(request, 'request.active::initial', 'request.active.selecting')).toHaveLength(1);
    expect(edgesFrom(breaker, 'circuitBreaker::initial', 'circuitBreaker.closed')).toHaveLength(1);
  });

  it('indexes every edge by the transition a microstep reports', () => {
    const key = transitionKey('circuitBreaker.closed', 'breaker.failure', 'tripsCircuit', [
      'circuitBreaker.open',
    ]);
    const ids = breaker.edgesByTransition.get(key) ?? [];
    expect(ids).toHaveLength(1);
    expect(edges(breaker).find((e) => e.id === ids[0])?.targets).toEqual(['circuitBreaker.open']);
  });

  it('draws parallel regions as children of the parallel state', () => {
    const nested = createMachine({
      id: 'n',
      initial: 'both',
      states: {
        both: {
          type: 'parallel',
          states: {
            left: { initial: 'a', states: { a: { on: { go: 'b' } }, b: {} } },
            right: { initial: 'x', states: { x: { on: { go: 'y' } }, y: {} } },
          },
        },
        done: { type: 'final' },
      },
    });
    const input = buildLayoutInput(jsonOf(nested));
    const both = allNodes(input.graph).find((n) => n.id === 'n.both');
    expect(input.nodes.get('n.both')?.type).toBe('parallel');
    expect(both?.children?.map((c) => c.id)).toEqual(['n.both.left', 'n.both.right']);
    expect(activeStateIds({ both: { left: 'b', right: 'x' } }, input.idByPath)).toEqual([
      'n.both',
      'n.both.left',
      'n.both.left.b',
      'n.both.right',
      'n.both.right.x',
    ]);
  });

  it('is laid out by elkjs with a position for every node and a route for every edge', async () => {
    const elk = new (ELK as unknown as new () => { layout(graph: unknown): Promise<ElkInputNode> })();
    for (const input of [breaker, request]) {
      const out = await elk.layout(structuredClone(input.graph));
      const laid = allNodes(out as ElkInputNode) as Array<ElkInputNode & { x?: number; y?: number }>;
      expect(laid.length).toBe(allNodes(input.graph).length);
      expect(laid.every((n) => Number.isFinite(n.x) && Number.isFinite(n.y))).toBe(true);
      const routed = (out.edges ?? []) as Array<{ sections?: unknown[] }>;
      expect(routed.length).toBe(edges(input).length);
      expect(routed.every((e) => (e.sections?.length ?? 0) > 0)).toBe(true);
    }
  }, 30_000);

  it('maps snapshot values to active state ids', () => {
    expect(activeStateIds({ active: 'attempting' }, request.idByPath)).toEqual([
      'request.active',
      'request.active.attempting',
    ]);
    expect(activeStateIds('open', breaker.idByPath)).toEqual(['circuitBreaker.open']);
    expect(activeStateIds('nowhere', breaker.idByPath)).toEqual([]);
  });
});
