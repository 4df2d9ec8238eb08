// The header of a server-to-client WebSocket text frame (RFC 6455 section 5.2: FIN, opcode 1, no mask),
// built once per payload. An event goes to every member of a room with the same bytes, and ws would build
// a header and an options object for each of them; the header is built at the first recipient and the
// same header and payload written to the others (the payload is not copied: a frame of the whole event
// per message doubled the memory the fan-out churns through). Only for sockets without permessage-deflate
// (the gateway turns it off), where ws writes its own frames straight to the socket too, so the order of
// frames is kept.

const headers = new WeakMap<Buffer, Buffer>()

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
