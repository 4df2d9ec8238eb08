// Reads the server's Prometheus text (GET /metrics): the bench measures the default-configuration server
// from outside, the way an operator would, so it needs no hook inside the process.

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

export function histogramDelta(before: Scrape, after: Scrape, name: string): HistogramDelta {
    const bounds: number[] = []
    const cumulative: number[] = []
    const prefix = `${name}_bucket{le="`
    for (const [key, value] of after) {
        if (!key.startsWith(prefix)) continue
        const le = key.slice(prefix.length, key.indexOf('"', prefix.length))
        if (le === '+Inf') continue
        bounds.push(Number(le))
        cumulative.push(value - (before.get(key) ?? 0))
    }
    const order = bounds.map((_, i) => i).sort((a, b) => bounds[a]! - bounds[b]!)
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0)
    return {
        bounds: order.map((i) => bounds[i]!),
        cumulative: order.map((i) => cumulative[i]!),
        count: delta(`${name}_count`),
        sum: delta(`${name}_sum`),
    }
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
