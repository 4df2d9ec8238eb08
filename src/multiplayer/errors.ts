// The one error a client raises on an event it cannot accept
// (https://wiki.sonolus.com/round-multiplayer-server-specs/events/...,
// "Raise a fatal error if ..."). The server's own reducer throws it too: the engine treats it as a bug.
export class FatalEventError extends Error {
    override readonly name = 'FatalEventError'
    constructor(
        message: string,
        readonly eventType?: string,
    ) {
        super(eventType ? `${eventType}: ${message}` : message)
    }
}
