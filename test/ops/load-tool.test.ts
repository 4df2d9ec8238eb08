// `npm run load` itself, small: a real server child, 20 players in 2 rooms for 3 s. It must finish with
// no errors, rounds played, and latency figures for chat and round starts (so the tool cannot rot).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const tool = fileURLToPath(new URL('../../bench/load.js', import.meta.url))

function runTool(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [tool, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (c) => (stdout += c))
        child.stderr.on('data', (c) => (stderr += c))
        child.once('error', reject)
        child.once('exit', (code) => resolve({ code, stdout, stderr }))
    })
}

test('npm run load: 20 players, 2 rooms, 3 s, no errors and latency figures', { timeout: 180_000 }, async () => {
    const { code, stdout, stderr } = await runTool(['--players=20', '--rooms=2', '--duration=3', '--round=1', '--chat=40', '--drain=2', '--json'])
    assert.equal(code, 0, `exit code ${code}; stderr:\n${stderr}\nstdout:\n${stdout}`)
    const report = JSON.parse(stdout)
    assert.equal(report.errorCount, 0, JSON.stringify(report.errors))
    assert.equal(report.setup.connected, 20)
    assert.equal(report.server.connectedPlayers, 20)
    assert.equal(report.server.openRooms, 2)
    assert.ok(report.run.roundsCompleted >= 1, `rounds completed: ${report.run.roundsCompleted}`)
    assert.ok(report.run.serverRoundsFinished >= 1)
    for (const kind of ['chat → others', 'chat → own echo', 'round start → all', 'ready → all', 'all of the above']) {
        const row = report.latencyMs[kind]
        assert.ok(row && row.samples > 0, `${kind}: ${JSON.stringify(row)}`)
        assert.ok(row.p50 > 0 && row.p50 <= row.p99 && row.p99 <= row.max, `${kind}: ${JSON.stringify(row)}`)
    }
    assert.ok(report.server.rssMB.afterJoin > 10)
    assert.ok(report.server.heapUsedMB.peak > 1)
    assert.ok(report.generator.cpuPercentOfOneCore > 0)
    // Every socket was closed normally at the end.
    assert.equal(report.server.websocketClosesAtEnd['1000'], 20)
})

test('npm run load: a bad option is refused with the usage', async () => {
    const { code, stderr } = await runTool(['--players=many'])
    assert.equal(code, 2)
    assert.match(stderr, /--players must be a number/)
    assert.match(stderr, /npm run load -- \[options\]/)
})
