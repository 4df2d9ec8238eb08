// WebSocket heartbeat spread over its interval. Pinging every socket at once stalls the event loop for
// the whole burst (a ping is a socket write: ~10-20 µs each, so ~0.2 s at 10,000 players) and every
// join and event of that moment waits behind it. Each connection lands in one of up to 30 slots in turn,
// and one slot is visited per tick: every connection is still pinged once per interval, and one that
// did not answer the previous ping by its next turn is dropped.

export type Beating = {
    /** Set when a pong arrives; cleared when a ping leaves. */
    alive: boolean
    /** The connection's slot (set by the heartbeat). */
    beatSlot: number | undefined
}

export type Heartbeat<C extends Beating> = {
    add(connection: C): void
    delete(connection: C): void
    stop(): void
}

export function startHeartbeat<C extends Beating>(
    intervalMs: number,
    /** Pings a connection that answered its last ping. */
    ping: (connection: C) => void,
    /** Drops one that did not. */
    drop: (connection: C) => void,
): Heartbeat<C> {
    // Ticks no shorter than 100 ms (a short interval is a test's): one slot for intervals under 200 ms.
    const slots = Array.from({ length: Math.max(1, Math.min(30, Math.floor(intervalMs / 100))) }, () => new Set<C>())
    let next = 0
    let visit = 0
    const timer = setInterval(() => {
        const slot = slots[visit]!
        visit = (visit + 1) % slots.length
        for (const connection of slot) {
            if (!connection.alive) {
                slot.delete(connection)
                drop(connection)
                continue
            }
            connection.alive = false
            ping(connection)
        }
    }, intervalMs / slots.length)
    timer.unref()
    return {
        add(connection) {
            connection.beatSlot = next
            slots[next]!.add(connection)
            next = (next + 1) % slots.length
        },
        delete(connection) {
            if (connection.beatSlot !== undefined) slots[connection.beatSlot]?.delete(connection)
        },
        stop: () => clearInterval(timer),
    }
}
