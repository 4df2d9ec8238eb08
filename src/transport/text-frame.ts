// Server-to-client WebSocket text frames (RFC 6455 section 5.2: FIN, opcode 1, no mask), built once per
// payload. An event goes to every member of a room with the same bytes, and ws would build a header and
// an options object for each of them. Only for sockets without permessage-deflate (the gateway turns it
// off), where ws writes its own frames (pings, closes) straight to the socket too, so the order holds.

/** Writes the header of a text frame of `length` payload bytes at the start of `out`; its size. */
function writeHeader(out: Buffer, length: number): number {
    out[0] = 0x81 // FIN, text
    if (length < 126) {
        out[1] = length
        return 2
    }
    if (length < 65536) {
        out[1] = 126
        out.writeUInt16BE(length, 2)
        return 4
    }
    out[1] = 127
    out.writeBigUInt64BE(BigInt(length), 2)
    return 10
}

const headerSize = (length: number) => (length < 126 ? 2 : length < 65536 ? 4 : 10)

const headers = new WeakMap<Buffer, Buffer>()

/** The header alone, for a payload written after it uncopied. */
export function textFrameHeader(payload: Buffer): Buffer {
    let header = headers.get(payload)
    if (header) return header
    header = Buffer.allocUnsafeSlow(headerSize(payload.length))
    writeHeader(header, payload.length)
    headers.set(payload, header)
    return header
}

/**
 * Payloads below this size go out as one Buffer holding header and payload, built once per payload:
 * one write per recipient instead of two (each write is a queued chunk and its bookkeeping in the
 * socket's stream, for every member of the room). A larger payload (a joiner's UpdateEvent, tens of
 * KB, for one recipient) is not copied: its header and it are written one after the other.
 */
const wholeBelow = 16 * 1024
const wholes = new WeakMap<Buffer, Buffer>()

/** Writes `payload` as a text frame (to a corked socket: one system call for everything of the turn). */
export function writeTextFrame(socket: { write(chunk: Buffer): unknown }, payload: Buffer): void {
    if (payload.length >= wholeBelow) {
        socket.write(textFrameHeader(payload))
        socket.write(payload)
        return
    }
    let whole = wholes.get(payload)
    if (!whole) {
        whole = Buffer.allocUnsafe(headerSize(payload.length) + payload.length)
        payload.copy(whole, writeHeader(whole, payload.length))
        wholes.set(payload, whole)
    }
    socket.write(whole)
}
