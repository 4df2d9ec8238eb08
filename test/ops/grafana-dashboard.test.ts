// docs/grafana-dashboard.json against a running server's /metrics: every metric its queries name must be
// exposed (so a renamed metric cannot leave a silently empty panel), and every ensemble_* metric the
// server exposes must appear in some panel (so a new metric cannot be forgotten).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { declaredMetrics } from '../../bench/load-stats.js'
import { startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'

type Panel = { id: number; type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[]; panels?: Panel[] }
type Dashboard = {
    __inputs: { name: string; pluginId: string }[]
    schemaVersion: number
    panels: Panel[]
    templating: { list: { query: unknown; definition?: string }[] }
}

const dashboardPath = new URL('../../../docs/grafana-dashboard.json', import.meta.url)
const load = (): Dashboard => JSON.parse(readFileSync(dashboardPath, 'utf8')) as Dashboard

const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])])

/** Every query of the dashboard: panel targets and template variables. */
function queries(dashboard: Dashboard): string[] {
    const exprs = allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr))
    for (const v of dashboard.templating.list) exprs.push(JSON.stringify(v.query), v.definition ?? '')
    return exprs
}

const metricNames = (expr: string): string[] => [...expr.matchAll(/\bensemble_[a-zA-Z0-9_]+/g)].map((m) => m[0])

/** The metric a series name belongs to (a histogram's _bucket/_sum/_count series name the histogram). */
function metricOf(series: string, declared: Map<string, string>): string | undefined {
    if (declared.has(series)) return series
    const m = /^(.*)_(bucket|sum|count)$/.exec(series)
    if (m && ['histogram', 'summary'].includes(declared.get(m[1]!) ?? '')) return m[1]
    return undefined
}

/** What is wrong with `dashboard` against the metrics a server declares; empty when nothing. */
function drift(dashboard: Dashboard, declared: Map<string, string>): { unknown: string[]; missing: string[] } {
    const used = new Set(queries(dashboard).flatMap(metricNames))
    const unknown = [...used].filter((name) => metricOf(name, declared) === undefined).sort()
    const covered = new Set([...used].map((name) => metricOf(name, declared)))
    const missing = [...declared.keys()].filter((name) => name.startsWith('ensemble_') && !covered.has(name)).sort()
    return { unknown, missing }
}

describe('Grafana dashboard', () => {
    let server: MultiplayerServer
    let declared: Map<string, string>
    before(async () => {
        server = await startMultiplayerServer()
        const res = await server.request('GET', '/metrics')
        assert.equal(res.status, 200)
        declared = declaredMetrics(res.text)
    })
    after(() => server.close())

    test('is an importable dashboard with a Prometheus datasource input', () => {
        const dashboard = load()
        assert.ok(dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`)
        assert.deepEqual(
            dashboard.__inputs.map((i) => [i.name, i.pluginId]),
            [['DS_PROMETHEUS', 'prometheus']],
        )
        const panels = allPanels(dashboard.panels)
        assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, 'panel ids are unique')
        for (const p of panels) {
            if (p.type === 'row') continue
            // eslint-disable-next-line no-template-curly-in-string -- Grafana's own placeholder, not a template
            assert.equal(p.datasource?.uid, '${DS_PROMETHEUS}', `panel "${p.title}" uses the datasource input`)
            assert.ok((p.targets ?? []).length > 0, `panel "${p.title}" has a query`)
        }
    })

    test('queries only metrics the server exposes, and every ensemble_* metric has a panel', () => {
        assert.ok(declared.size > 30, `the server declares ${declared.size} metrics`)
        assert.deepEqual(drift(load(), declared), { unknown: [], missing: [] })
    })

    test('the check catches a renamed metric and a metric without a panel', () => {
        const dashboard = load()
        const panels = allPanels(dashboard.panels)
        const withStore = panels.filter((p) => (p.targets ?? []).some((t) => t.expr.includes('ensemble_store_commit_seconds')))
        for (const p of withStore) p.targets = p.targets!.filter((t) => !t.expr.includes('ensemble_store_commit_seconds'))
        panels.find((p) => p.targets?.length)!.targets!.push({ expr: 'rate(ensemble_signins_total[5m])' })
        assert.deepEqual(drift(dashboard, declared), { unknown: ['ensemble_signins_total'], missing: ['ensemble_store_commit_seconds'] })
    })
})
