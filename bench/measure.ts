/** Shared helpers of the benchmark: timing, medians, heap sampling, bounded parallelism. */
import { type CountingProxy, difference, type Tally } from './countingProxy.js'

export type Measured = Tally & {
  heap?: { liveMB?: number; peakMB: number }
  medianMs: number
  result: number
}

export function median(values: number[]): number {
  if (values.length === 0) {
    return 0
  }
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * Runs `work` `runs` times; the counts are those of the last run (the same every run: nothing
 * is cached between runs), the latency is the median.
 */
export async function measure(
  proxy: CountingProxy,
  runs: number,
  work: () => Promise<number>,
  options: { sampleHeap?: boolean } = {},
): Promise<Measured> {
  const latencies: number[] = []
  let counted: Tally | undefined
  let result = 0
  let heap: Measured['heap']
  for (let run = 0; run < runs; run++) {
    const sampler = options.sampleHeap && run === runs - 1 ? startHeapSampler() : undefined
    const before = proxy.tally()
    const started = performance.now()
    result = await work()
    latencies.push(performance.now() - started)
    counted = difference(proxy.tally(), before)
    if (sampler) {
      heap = sampler.stop()
    }
  }
  return { ...(counted as Tally), heap, medianMs: median(latencies), result }
}

/**
 * Samples `heapUsed` every 5 ms (and at the end): the peak above the heap at the start, in MB.
 * That peak includes garbage not yet collected, so with `--expose-gc` the heap is also collected
 * every 100 ms and measured right after: `liveMB`, the peak of what the query really holds.
 */
function startHeapSampler(): { stop: () => { liveMB?: number; peakMB: number } } {
  const collect = (globalThis as { gc?: () => void }).gc
  collect?.()
  const baseline = process.memoryUsage().heapUsed
  let peak = baseline
  let live = baseline
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }, 5)
  const collected = collect
    ? setInterval(() => {
        collect()
        live = Math.max(live, process.memoryUsage().heapUsed)
      }, 100)
    : undefined
  const toMB = (bytes: number) => (bytes - baseline) / 1024 / 1024
  return {
    stop: () => {
      clearInterval(sample)
      clearInterval(collected)
      peak = Math.max(peak, process.memoryUsage().heapUsed)
      return { liveMB: collect ? toMB(live) : undefined, peakMB: toMB(peak) }
    },
  }
}

/** Runs `task(i)` for i in [from, to) with at most `parallel` at a time. */
export async function inParallel(
  from: number,
  to: number,
  parallel: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = from
  const lane = async () => {
    while (next < to) {
      const index = next++
      await task(index)
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane))
}

export function ratio(after: number, before: number): string {
  if (before === 0) {
    return after === 0 ? 'x1.0' : 'n/a'
  }
  return `x${(after / before).toFixed(2)}`
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  })
}
