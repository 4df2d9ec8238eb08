// Figures of the load tool: latency histograms that merge across generator processes, and a reader of
// the Prometheus text a server's /metrics answers.

/** Buckets grow by 1 %: a percentile is known to within 1 % whatever the range (1 µs to hours). */
const growth = 1.01
const logGrowth = Math.log(growth)
const bucketCount = 2400

export type HistogramData = { counts: Record<number, number>; n: number; max: number; sum: number }

/** Latencies in milliseconds, kept as counts per log bucket (bounded memory however many samples). */
export class LatencyHistogram {
    private counts = new Float64Array(bucketCount)
    n = 0
    max = 0
    sum = 0

    record(ms: number): void {
        const us = Math.max(1, ms * 1000)
        const index = Math.min(bucketCount - 1, Math.ceil(Math.log(us) / logGrowth))
        this.counts[index]! += 1
        this.n += 1
        this.sum += ms
        if (ms > this.max) this.max = ms
    }

    /** The smallest bucket bound at or above the q-th fraction of the samples (ms); NaN when empty. */
    percentile(q: number): number {
        if (this.n === 0) return NaN
        const rank = Math.ceil(q * this.n)
        let seen = 0
        for (let i = 0; i < bucketCount; i++) {
            seen += this.counts[i]!
            if (seen >= rank) return Math.min(this.max, growth ** i / 1000)
        }
        return this.max
    }

    merge(other: HistogramData): void {
        for (const [index, count] of Object.entries(other.counts)) this.counts[Number(index)]! += count
        this.n += other.n
        this.sum += other.sum
        this.max = Math.max(this.max, other.max)
    }

    toJSON(): HistogramData {
        const counts: Record<number, number> = {}
        this.counts.forEach((count, index) => {
            if (count > 0) counts[index] = count
        })
        return { counts, n: this.n, max: this.max, sum: this.sum }
    }

    static from(data: HistogramData): LatencyHistogram {
        const h = new LatencyHistogram()
        h.merge(data)
        return h
    }
}

/** Counts by name, added up across processes. */
export type Tally = Record<string, number>

export function addTally(into: Tally, from: Tally): Tally {
    for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n
    return into
}

export const bump = (tally: Tally, key: string, n = 1): void => {
    tally[key] = (tally[key] ?? 0) + n
}

/** One sample line of a Prometheus text exposition. */
export type Sample = { name: string; labels: Record<string, string>; value: number }

/** The labels of a sample, from the text inside its braces (`le="0.01",route="/a"`; values unescaped). */
export function parseLabels(text: string): Record<string, string> {
    const labels: Record<string, string> = {}
    for (const l of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1')
    }
    return labels
}

/** Reads the sample lines of a text exposition (comments skipped; label values unescaped). */
export function parseExposition(text: string): Sample[] {
    const samples: Sample[] = []
    for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('#')) continue
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
        if (!m) continue
        samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? ''), value: Number(m[3]) })
    }
    return samples
}

/** The metric names a text exposition declares (its `# TYPE` lines), with their types. */
export function declaredMetrics(text: string): Map<string, string> {
    const types = new Map<string, string>()
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1]!, m[2]!)
    return types
}

/** The sum of every series of `name` whose labels include `labels`. */
export function sumOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
    let sum = 0
    for (const s of samples) {
        if (s.name !== name) continue
        if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value
    }
    return sum
}

/** Values of `name` by the value of one label. */
export function byLabel(samples: Sample[], name: string, label: string): Tally {
    const out: Tally = {}
    for (const s of samples) if (s.name === name) bump(out, s.labels[label] ?? '', s.value)
    return out
}

/** `after - before`, keeping keys that moved. */
export function tallyDelta(after: Tally, before: Tally): Tally {
    const out: Tally = {}
    for (const [key, n] of Object.entries(after)) {
        const d = n - (before[key] ?? 0)
        if (d !== 0) out[key] = d
    }
    return out
}
