// Reads the server's Prometheus text (GET /metrics): the bench measures the default-configuration server
// from outside, the way an operator would, so it needs no hook inside the process.
import { parseLabels } from './load-stats.js'

/** Samples by name with labels, e.g. `ensemble_join_first_event_seconds_bucket{le="0.01"}` → value. */
export type Scrape = Map<string, number>

export function parsePrometheus(text: string): Scrape {
    const samples: Scrape = new Map()
    for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('#')) continue
        const space = line.lastIndexOf(' ')
        samples.set(line.slice(0, space), Number(line.slice(space + 1)))
    }
    return samples
}

export async function scrape(address: string): Promise<Scrape> {
    const res = await fetch(`${address}/metrics`)
    const text = await res.text()
    if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${text.slice(0, 200)}`)
    return parsePrometheus(text)
}

/** A histogram's observations between two scrapes: upper bounds with the count at or below each. */
export type HistogramDelta = { bounds: number[]; cumulative: number[]; count: number; sum: number }

/**
 * A histogram's observations between two scrapes, summed over the series whose labels include `match`
 * (all series when empty).
 */
export function histogramDelta(before: Scrape, after: Scrape, name: string, match: Record<string, string> = {}): HistogramDelta {
    const buckets = new Map<number, number>()
    let count = 0
    let sum = 0
    const matches = (labels: Record<string, string>) => Object.entries(match).every(([k, v]) => labels[k] === v)
    for (const [key, value] of after) {
        if (!key.startsWith(name)) continue
        const rest = key.slice(name.length)
        const labels = parseLabels(rest)
        if (!matches(labels)) continue
        const delta = value - (before.get(key) ?? 0)
        if (rest.startsWith('_bucket{')) {
            if (labels.le === '+Inf') continue
            const le = Number(labels.le)
            buckets.set(le, (buckets.get(le) ?? 0) + delta)
        } else if (rest.startsWith('_count')) count += delta
        else if (rest.startsWith('_sum')) sum += delta
    }
    const bounds = [...buckets.keys()].sort((a, b) => a - b)
    return { bounds, cumulative: bounds.map((b) => buckets.get(b)!), count, sum }
}

/** The q-quantile of a histogram delta, linear within its bucket (as Prometheus' histogram_quantile). */
export function histogramQuantile(h: HistogramDelta, q: number): number {
    if (h.count === 0) return NaN
    const rank = q * h.count
    let lower = 0
    let below = 0
    for (let i = 0; i < h.bounds.length; i++) {
        const upper = h.bounds[i]!
        const at = h.cumulative[i]!
        if (at >= rank) return lower + ((upper - lower) * (rank - below)) / Math.max(1, at - below)
        lower = upper
        below = at
    }
    return Infinity // above the last bound
}

/** The smallest bucket bound holding every observation (an upper bound on the max). */
export function histogramMaxBound(h: HistogramDelta): number {
    for (let i = 0; i < h.bounds.length; i++) if (h.cumulative[i]! >= h.count) return h.bounds[i]!
    return Infinity
}
