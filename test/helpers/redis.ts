// A redis-server of a test's (or the bench's) own: a free port, bound to 127.0.0.1, nothing on disk
// (`--save "" --appendonly no`), so a kill and a start on the same port is Redis restarted empty. Without
// the binary it fails saying what to install: nothing is skipped.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { freePort } from '../wire/server-process.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const redisServerPath = process.env.ENSEMBLE_TEST_REDIS_SERVER ?? '/usr/bin/redis-server'

/** One PING over a raw socket: true when Redis answered +PONG within `timeoutMs`. */
export function redisPing(port: number, timeoutMs = 500): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1')
        let answer = ''
        const done = (ok: boolean) => {
            clearTimeout(timer)
            socket.destroy()
            resolve(ok)
        }
        const timer = setTimeout(() => done(false), timeoutMs)
        socket.once('connect', () => socket.write('PING\r\n'))
        socket.on('data', (chunk: Buffer) => {
            answer += chunk.toString()
            if (answer.includes('\r\n')) done(answer.startsWith('+PONG'))
        })
        socket.once('error', () => done(false))
    })
}

export type TestRedis = {
    port: number
    url: string
    /** kill -9 of the server (what it held is gone: it keeps nothing on disk). */
    kill(): Promise<void>
    /** Starts it again on the same port, empty. */
    start(): Promise<void>
    /** What redis-server printed (for failure messages). */
    output(): string
    /** Process id of the running server (tests stop it with SIGSTOP to freeze it). */
    pid(): number | undefined
}

/** A redis-server of the test's own on a free port: `--save "" --appendonly no`, bound to 127.0.0.1. */
export async function startTestRedis(): Promise<TestRedis> {
    if (!existsSync(redisServerPath)) {
        throw new Error(
            `redis-server not found at ${redisServerPath}: the cluster tests start their own Redis ` +
                '(apt-get install -y redis-server, or set ENSEMBLE_TEST_REDIS_SERVER to its path)',
        )
    }
    const port = await freePort()
    let child: ChildProcess | undefined
    let exited: Promise<void> = Promise.resolve()
    let output = ''
    const start = async () => {
        const started = spawn(redisServerPath, ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], {
            stdio: ['ignore', 'pipe', 'pipe'],
        })
        child = started
        started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
        started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
        let gone = false
        exited = new Promise((resolve) => started.once('exit', () => ((gone = true), resolve())))
        const deadline = Date.now() + 10_000
        while (!(await redisPing(port))) {
            if (gone) throw new Error(`redis-server exited before answering on port ${port}:\n${output}`)
            if (Date.now() > deadline) {
                started.kill('SIGKILL')
                throw new Error(`redis-server did not answer PING on port ${port} within 10 s:\n${output}`)
            }
            await sleep(20)
        }
    }
    await start()
    return {
        port,
        url: `redis://127.0.0.1:${port}`,
        output: () => output,
        pid: () => child?.pid,
        start,
        kill: async () => {
            if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
            await exited
        },
    }
}
