// Statistics for benchmarks on shared, noisy machines: medians, and how far a ratio of medians moves
// when the same run is resampled, so a figure near a goal can be told apart from noise.

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export interface RatioIntervalOptions {
  /** Share of resampled ratios inside the interval (default 0.95). */
  confidence?: number
  /** Bootstrap resamples (default 2000). */
  resamples?: number
  /** Uniform in [0, 1); replaceable so tests are repeatable. */
  random?: () => number
}

export interface RatioInterval {
  /** median(numerators) / median(denominators) of the samples as measured. */
  ratio: number
  low: number
  high: number
}

/**
 * Percentile bootstrap of median(numerators) / median(denominators) for paired samples: sample i of
 * both sides was taken in the same round (interleaved), so rounds are resampled whole and a slow
 * moment of the machine weighs on both sides alike.
 */
export function ratioInterval(
  numerators: readonly number[],
  denominators: readonly number[],
  options: RatioIntervalOptions = {},
): RatioInterval {
  const { confidence = 0.95, resamples = 2000, random = Math.random } = options
  if (numerators.length === 0 || numerators.length !== denominators.length) {
    throw new RangeError('ratioInterval needs two non-empty series of paired samples, of equal length')
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError('confidence must be between 0 and 1')
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError('resamples must be a positive integer')
  const rounds = numerators.length
  const ratios: number[] = []
  const top: number[] = new Array(rounds)
  const bottom: number[] = new Array(rounds)
  for (let resample = 0; resample < resamples; resample++) {
    for (let i = 0; i < rounds; i++) {
      const round = Math.floor(random() * rounds)
      top[i] = numerators[round]!
      bottom[i] = denominators[round]!
    }
    ratios.push(median(top) / median(bottom))
  }
  ratios.sort((a, b) => a - b)
  const tail = (1 - confidence) / 2
  const at = (share: number) => ratios[Math.min(resamples - 1, Math.max(0, Math.floor(share * resamples)))]!
  return { ratio: median(numerators) / median(denominators), low: at(tail), high: at(1 - tail) }
}
