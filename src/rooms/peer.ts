// What a live room needs from a connected client, whatever carries it (a ws socket, a test double).
export interface Peer {
    readonly locale: string
    /** Sends a pre-serialized frame; the transport enforces its own backpressure bound. */
    send(data: Buffer): void
    close(code: number, reason: string): void
}
