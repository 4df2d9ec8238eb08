// Server-to-client WebSocket text frames (RFC 6455 section 5.2: FIN, opcode 1, no mask), built once per
// payload. An event goes to every member of a room with the same bytes, and ws would build a header and
// an options object for each of them. Only for sockets without permessage-deflate (the gateway turns it
// off), where ws writes its own frames (pings, closes) straight to the socket too, so the order holds.

const headers = new WeakMap<Buffer, Buffer>()

/** The header alone, for a payload written after it uncopied. */

export function textFrameHeader(payload: Buffer): Buffer {
    let header = headers.get(payload)
    if (header) return header
    const length = payload.length
    header = Buffer.allocUnsafeSlow(length < 126 ? 2 : length < 65536 ? 4 : 10)
    header[0] = 0x81 // FIN, text
    if (length < 126) header[1] = length
    else if (length < 65536) {
        header[1] = 126
        header.writeUInt16BE(length, 2)
    } else {
        header[1] = 127
        header.writeBigUInt64BE(BigInt(length), 2)
    }
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
        const header = payload.length < 126 ? 2 : 4
        whole = Buffer.allocUnsafe(header + payload.length)
        whole[0] = 0x81 // FIN, text
        if (header === 2) whole[1] = payload.length
        else {
            whole[1] = 126
            whole.writeUInt16BE(payload.length, 2)
        }
        payload.copy(whole, header)
        wholes.set(payload, whole)
    }
    socket.write(whole)
}
