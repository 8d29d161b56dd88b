/**
 * The floor under the statechart path: CPU µs per run of bare XState actors (no resilient-llm code) — a
 * machine that is final at once, five eventless steps, one awaited result without a child actor (an entry
 * action whose promise sends an event back: the cheapest way an actor can wait for a provider), one invoked
 * promise actor and four in sequence — so the statechart path's cost can be read against what one XState
 * actor per call costs at least.
 * `tsx bench/overhead/xstate-floor.ts` prints one JSON line; CPU time, median of 5 repetitions.
 */
import { assign, createActor, fromPromise, setup, toPromise } from 'xstate';
import { median } from '../lib/stats.js';

const base = setup({ actors: { step: fromPromise(async () => 1) } });
const machines = {
  final: base.createMachine({ initial: 'done', states: { done: { type: 'final' } } }),
  eventless5: base.createMachine({
    initial: 'a',
    context: { n: 0 },
    states: {
      a: { always: { target: 'b', actions: assign({ n: 1 }) } },
      b: { always: 'c' },
      c: { always: 'd' },
      d: { always: 'done' },
      done: { type: 'final' },
    },
  }),
  awaitEvent1: base.createMachine({
    initial: 'a',
    states: {
      a: {
        entry: ({ self }) => {
          Promise.resolve(1).then(() => self.send({ type: 'answered' }));
        },
        on: { answered: 'done' },
      },
      done: { type: 'final' },
    },
  }),
  invoke1: base.createMachine({
    initial: 'a',
    states: { a: { invoke: { src: 'step', onDone: 'done' } }, done: { type: 'final' } },
  }),
  invoke4: base.createMachine({
    initial: 'a',
    states: {
      a: { invoke: { src: 'step', onDone: 'b' } },
      b: { invoke: { src: 'step', onDone: 'c' } },
      c: { invoke: { src: 'step', onDone: 'd' } },
      d: { invoke: { src: 'step', onDone: 'done' } },
      done: { type: 'final' },
    },
  }),
};

async function usPerRun(machine: (typeof machines)[keyof typeof machines], n: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await toPromise(createActor(machine).start());
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

const result: Record<string, { median: number; min: number; max: number }> = {};
for (const [name, machine] of Object.entries(machines)) {
  await usPerRun(machine, 2_000); // warm-up
  const reps: number[] = [];
  for (let r = 0; r < 5; r++) reps.push(await usPerRun(machine, 2_000));
  result[name] = { median: median(reps), min: Math.min(...reps), max: Math.max(...reps) };
}
console.log(JSON.stringify(result));
