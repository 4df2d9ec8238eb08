// A server-to-client WebSocket text frame (RFC 6455 section 5.2: FIN, opcode 1, no mask), built once per
// payload. An event goes to every member of a room with the same bytes, and ws would build a header and
// an options object and make two writes for each of them; the frame is built at the first recipient and
// the same Buffer written to the others. Only for sockets without permessage-deflate (the gateway turns
// it off), where ws writes its frames straight to the socket too, so the order of frames is kept.

const frames = new WeakMap<Buffer, Buffer>()

export function textFrame(payload: Buffer): Buffer {
    let frame = frames.get(payload)
    if (frame) return frame
    const length = payload.length
    const header = length < 126 ? 2 : length < 65536 ? 4 : 10
    frame = Buffer.allocUnsafe(header + length)
    frame[0] = 0x81 // FIN, text
    if (header === 2) frame[1] = length
    else if (header === 4) {
        frame[1] = 126
        frame.writeUInt16BE(length, 2)
    } else {
        frame[1] = 127
        frame.writeBigUInt64BE(BigInt(length), 2)
    }
    payload.copy(frame, header)
    frames.set(payload, frame)
    return frame
}
