// The fan-out measurement shared by the one-node and the cluster benchmarks: senders keep a few chat
// messages each in flight (a sender's own message coming back frees a slot), and every frame any client
// receives counts as one delivery.
import type { WebSocket } from 'ws'

export type FanoutOptions = {
    seconds: number
    /** Which clients chat (default: the first 10). */
    isSender?: (index: number) => boolean
    /** Messages each sender keeps in flight. */
    inFlight?: number
}

/** Frames delivered to all clients per second while the senders chat; `frame(i, n)` is sender i's n-th message. */
export async function measureFanout(
    clients: WebSocket[],
    ids: string[],
    frame: (sender: number, n: number) => string,
    options: FanoutOptions,
): Promise<number> {
    const isSender = options.isSender ?? ((i: number) => i < 10)
    const inFlight = options.inFlight ?? 8
    let delivered = 0
    let running = true
    const counters = clients.map((ws, i) => {
        const marker = Buffer.from(ids[i]!)
        const sends = isSender(i)
        let n = 0
        const handler = (data: Buffer) => {
            delivered++
            // A sender's own message coming back frees a slot for the next one.
            if (sends && running && data.includes(marker)) ws.send(frame(i, n++))
        }
        ws.on('message', handler)
        return { ws, handler, sends, start: () => Array.from({ length: inFlight }, () => ws.send(frame(i, n++))) }
    })
    const warmup = 500
    for (const c of counters) if (c.sends) c.start()
    await new Promise((resolve) => setTimeout(resolve, warmup))
    const from = delivered
    const start = performance.now()
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000))
    const rate = ((delivered - from) * 1000) / (performance.now() - start)
    running = false
    await new Promise((resolve) => setTimeout(resolve, 300))
    for (const c of counters) c.ws.off('message', c.handler)
    return rate
}
