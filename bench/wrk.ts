// Load from wrk (Debian package `wrk`), when it is installed: a C load generator that costs the machine
// far less per request than autocannon, so on a small machine more of the CPU goes to the server being
// measured. Each request is a distinct signed body (the server refuses a replayed one): the bodies are
// written to a file that a Lua script walks once, in order, on one wrk thread.
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Signed } from './players.js'

export const hasWrk = (): boolean => {
    try {
        execFileSync('wrk', ['--version'], { stdio: 'ignore' })
        return true
    } catch (error) {
        // wrk --version exits 1 after printing its usage: installed all the same.
        return (error as { status?: number }).status === 1
    }
}

// Lines of the bodies file: path, signature, body (bodies are JSON: no tab or newline inside).
const script = (file: string) => `
-- Requests are formatted once, in init (once wrk has set the Host header): request() only hands out
-- the next one.
local requests = {}
init = function(args)
  for line in io.lines(${JSON.stringify(file)}) do
    local path, signature, body = line:match("^([^\\t]*)\\t([^\\t]*)\\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", path, { ["Content-Type"] = "application/json", ["Sonolus-Signature"] = signature }, body)
  end
end
local next = 0
request = function()
  next = next + 1
  -- Out of bodies: a replay, answered 401 and counted as a failure.
  return requests[next] or requests[1]
end
`

/** Sends the bodies in order at `connections` for `seconds`; answers requests per second, all 2xx. */
export async function wrkLoad(
    address: string,
    path: (i: number) => string,
    bodies: Signed[],
    connections: number,
    seconds: number,
): Promise<{ total: number; rate: number }> {
    const dir = mkdtempSync(join(tmpdir(), 'ensemble-wrk-'))
    try {
        const file = join(dir, 'bodies.tsv')
        writeFileSync(file, bodies.map((b, i) => `${path(i)}\t${b.signature}\t${b.body}`).join('\n') + '\n')
        writeFileSync(join(dir, 'load.lua'), script(file))
        const out = await new Promise<string>((resolve, reject) =>
            execFile(
                'wrk',
                ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(dir, 'load.lua'), address],
                (error, stdout, stderr) => (error ? reject(new Error(`wrk failed: ${stderr || error.message}`)) : resolve(stdout)),
            ),
        )
        const total = Number(/(\d+) requests in/.exec(out)?.[1])
        const rate = Number(/Requests\/sec:\s*([\d.]+)/.exec(out)?.[1])
        const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
        const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
        const failed = non2xx + (errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0)
        if (!(total > 0) || !(rate > 0)) throw new Error(`wrk printed no rate:\n${out}`)
        if (total > bodies.length) throw new Error(`ran out of unique bodies (${bodies.length}): raise the count`)
        if (failed > 0) throw new Error(`${failed} of ${total} requests failed:\n${out}`)
        return { total, rate }
    } finally {
        rmSync(dir, { recursive: true, force: true })
    }
}
