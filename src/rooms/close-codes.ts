// WebSocket close codes a room closes its players' sockets with, in one place (RFC 6455 4000-4999 is the
// application range). The room layer decides why a player goes; the transport only carries the code.
export const CloseCode = {
    normal: 1000,
    goingAway: 1001, // server shutting down
    policyViolation: 1008,
    tooBig: 1009, // sent by ws itself when a frame exceeds maxPayload
    replaced: 4000, // the same player connected again; this socket is superseded
    kicked: 4001,
    expired: 4002, // the signed join is too old for other clients to accept; join again
    flood: 4003, // too many messages, or too many invalid ones
    slowConsumer: 4004, // the client does not read and its send buffer passed the bound
    roomClosed: 4005,
    heartbeat: 4006, // no pong within a heartbeat interval
    roomFull: 4007, // the last seat was taken between admission and connection
} as const

export const CloseReason: Record<number, string> = {
    [CloseCode.normal]: 'bye',
    [CloseCode.goingAway]: 'server shutting down',
    [CloseCode.replaced]: 'replaced by a newer connection',
    [CloseCode.kicked]: 'kicked from the room',
    [CloseCode.expired]: 'join expired, join the room again',
    [CloseCode.flood]: 'too many messages',
    [CloseCode.slowConsumer]: 'client too slow to read',
    [CloseCode.roomClosed]: 'room closed',
    [CloseCode.heartbeat]: 'no heartbeat',
    [CloseCode.roomFull]: 'room is full',
}
