// Median time per operation, measured side by side: every contender is warmed up, given a batch size
// that makes one sample last a few milliseconds, then sampled in rotating order so drift on a shared
// machine (other jobs, GC, frequency changes) falls on all contenders alike.

import { median } from '@dynamorm/testing'

export interface Contender {
  name: string
  /** One operation; `round` varies the input. Its result is kept so the work cannot be optimised away. */
  run: (round: number) => unknown
}

export interface SamplerOptions {
  /** Samples per contender; the median of their per-operation times is reported (default 41). */
  samples?: number
  /** Target length of one sample in ms, used to size its batch (default 4). Short samples, finely
   * interleaved, keep a burst of load from other jobs on one contender's samples only. */
  sampleMs?: number
  /** Warm-up per contender in ms before any sample is taken (default 300). */
  warmupMs?: number
}

const sink: unknown[] = new Array(64)
let sinkIndex = 0

function runBatch(contender: Contender, operations: number, firstRound: number): number {
  const start = process.hrtime.bigint()
  for (let index = 0; index < operations; index++) {
    sink[(sinkIndex = (sinkIndex + 1) & 63)] = contender.run(firstRound + index)
  }
  return Number(process.hrtime.bigint() - start)
}

function batchSize(contender: Contender, sampleMs: number, warmupMs: number): number {
  let operations = 16
  let round = 0
  const warmupEnd = performance.now() + warmupMs
  // Grow the batch until it lasts the sample length, and keep running until the warm-up time is spent.
  for (;;) {
    const elapsedNs = runBatch(contender, operations, round)
    round += operations
    if (elapsedNs < sampleMs * 1e6) operations *= 2
    else if (performance.now() >= warmupEnd) return operations
  }
}

/** Median nanoseconds per operation of each contender, by name. */
export function measure(contenders: readonly Contender[], options: SamplerOptions = {}): Map<string, number> {
  const samples = options.samples ?? 41
  const sampleMs = options.sampleMs ?? 4
  const warmupMs = options.warmupMs ?? 300
  const batches = contenders.map((contender) => batchSize(contender, sampleMs, warmupMs))
  const perOperation = contenders.map(() => [] as number[])
  for (let sample = 0; sample < samples; sample++) {
    for (let offset = 0; offset < contenders.length; offset++) {
      const index = (sample + offset) % contenders.length
      const operations = batches[index]!
      perOperation[index]!.push(runBatch(contenders[index]!, operations, sample * operations) / operations)
    }
  }
  return new Map(contenders.map((contender, index) => [contender.name, median(perOperation[index]!)]))
}

/** Keeps the last results reachable; returns how many are held (for a final sanity line). */
export const heldResults = (): number => sink.filter((entry) => entry !== undefined).length
