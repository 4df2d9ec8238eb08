// The readable table of `npm run load` from its JSON report (also: node -e to render a saved report).
import type { Tally } from './load-stats.js'

export type Report = Record<string, any>

export function table(r: Report): string {
    const f = (n: number, digits = 1) =>
        Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-'
    const i = (n: number) => f(n, 0)
    const lines: string[] = []
    const o = r.options
    lines.push(
        `Ensemble load: ${i(o.players)} players in ${i(o.rooms)} rooms (up to ${o.perRoom} each), ${o.durationS} s, chat ${o.chatPerMinute}/min per player, gameplay ${o.roundS} s a round`,
    )
    lines.push(`${r.command}   (${r.when}; ${o.workers} generator process(es))`)
    lines.push('')
    lines.push(`Setup: ${i(r.setup.connected)} players signed in, joined and connected in ${f(r.setup.seconds)} s`)
    const latencyTable = (title: string, rows: Record<string, { samples: number; p50: number; p99: number; max: number }>) => {
        const width = Math.max(title.length, ...Object.keys(rows).map((k) => k.length))
        lines.push(`  ${title.padEnd(width)}  ${'samples'.padStart(9)}  ${'p50 ms'.padStart(8)}  ${'p99 ms'.padStart(8)}  ${'max ms'.padStart(8)}`)
        for (const [k, v] of Object.entries(rows)) {
            lines.push(`  ${k.padEnd(width)}  ${i(v.samples).padStart(9)}  ${f(v.p50).padStart(8)}  ${f(v.p99).padStart(8)}  ${f(v.max).padStart(8)}`)
        }
    }
    latencyTable('setup step', r.setup.latencyMs)
    lines.push('')
    lines.push(
        `Run: ${f(r.run.seconds)} s, ${i(r.run.roundsCompleted)} rounds completed, ${i(r.run.commandsSent)} commands sent, ${i(r.run.eventsReceived)} events received; ` +
            `server sent ${i(r.run.serverEventsSentPerSecond)} events/s (${f(r.run.serverBytesSentPerSecond / 1024)} KiB/s)`,
    )
    latencyTable('command → event (each receipt)', r.latencyMs)
    lines.push('')
    const tally = (t: Tally) =>
        Object.keys(t).length
            ? Object.entries(t)
                  .map(([k, n]) => `${k}: ${i(n)}`)
                  .join(', ')
            : 'none'
    lines.push(`Refused commands (server /metrics, by reason): ${tally(r.refused.server)}`)
    lines.push(`Refusals seen by clients (from events): ${tally(r.refused.seenByClients)}`)
    lines.push(`Errors: ${r.errorCount === 0 ? 'none' : tally(r.errors)}`)
    for (const line of r.serverLogErrors) lines.push(`  server: ${line}`)
    lines.push('')
    const s = r.server
    lines.push(`Server (from /metrics; ${i(s.connectedPlayers)} players connected, ${i(s.openRooms)} rooms open):`)
    lines.push(
        `  RSS MB        before join ${f(s.rssMB.beforeJoin)}, after join ${f(s.rssMB.afterJoin)}, peak ${f(s.rssMB.peak)}, end ${f(s.rssMB.end)}`,
    )
    lines.push(
        `  heap used MB  before join ${f(s.heapUsedMB.beforeJoin)}, after join ${f(s.heapUsedMB.afterJoin)}, peak ${f(s.heapUsedMB.peak)}, end ${f(s.heapUsedMB.end)}`,
    )
    lines.push(
        `  event loop    delay mean ${f(s.eventLoopLagMs.meanMedianSecond)} ms, p99 ${f(s.eventLoopLagMs.p99MedianSecond)} ms (median second) / ${f(s.eventLoopLagMs.p99WorstSecond)} ms (worst second), max ${f(s.eventLoopLagMs.max)} ms`,
    )
    lines.push(`                (prom-client samples the loop every 10 ms: an idle loop reads about 10 ms)`)
    lines.push(`  CPU           ${i(s.cpuPercentOfOneCore)} % of one core during the run; ${i(s.cpuMicrosPerEventSent)} µs per event sent`)
    lines.push(`  closes        ${tally(s.websocketClosesAtEnd)} (WebSocket closes by code, whole run)`)
    const g = r.generator
    lines.push(
        `Generator (${g.processes} processes on the same machine): CPU ${i(g.cpuPercentOfOneCore)} % of one core; event loop p99 ${f(g.eventLoopDelayMs.p99)} ms, max ${f(g.eventLoopDelayMs.max)} ms`,
    )
    const m = r.machine
    lines.push(
        `Machine: ${m.cores} cores, load average (1 min) ${f(m.loadAverage1m.runStart, 2)} at the start of the run, ${f(m.loadAverage1m.runEnd, 2)} at its end`,
    )
    return lines.join('\n')
}
