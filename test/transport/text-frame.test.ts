// textFrameHeader and writeTextFrame against ws itself: the bytes ws's Sender would write for the same text
// message, at every length class of the header (7-bit, 16-bit, 64-bit), one header (or whole frame) per payload.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as ws from 'ws'
import { textFrameHeader, writeTextFrame } from '../../src/transport/text-frame.js'

const textFrame = (payload: Buffer) => Buffer.concat([textFrameHeader(payload), payload])

/** What ws writes for a text message from a server (no mask, FIN). */
function wsFrame(payload: Buffer): Buffer {
    // ws exports its Sender at run time; its types leave it out.
    const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }
    const list = Sender.frame(payload, {
        fin: true,
        mask: false,
        opcode: 1,
        readOnly: true,
        rsv1: false,
    })
    return Buffer.concat(list)
}

describe('textFrame', () => {
    for (const length of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
        it(`matches ws's own frame for a ${length}-byte payload`, () => {
            const payload = Buffer.alloc(length, 'a')
            assert.deepEqual(textFrame(payload), wsFrame(payload))
        })
    }

    it('builds the header once per payload Buffer, and anew for another Buffer', () => {
        const payload = Buffer.from('{"type":"addChatMessage"}')
        assert.equal(textFrameHeader(payload), textFrameHeader(payload))
        assert.notEqual(textFrameHeader(Buffer.from(payload)), textFrameHeader(payload))
    })
})

describe('writeTextFrame', () => {
    const written = (payload: Buffer) => {
        const chunks: Buffer[] = []
        writeTextFrame({ write: (chunk: Buffer) => chunks.push(chunk) }, payload)
        return chunks
    }

    for (const length of [0, 1, 125, 126, 127, 16383, 16384, 65535, 65536, 70000]) {
        it(`writes ws's own frame for a ${length}-byte payload`, () => {
            const payload = Buffer.alloc(length, 'b')
            assert.deepEqual(Buffer.concat(written(payload)), wsFrame(payload))
        })
    }

    it('a small payload: one write of one Buffer built once; a large one: header, then the payload itself', () => {
        const small = Buffer.from('{"type":"addChatMessage","message":{"userId":null,"type":"text","value":"hi"}}')
        const [first, ...rest] = written(small)
        assert.equal(rest.length, 0)
        assert.equal(written(small)[0], first, 'the same Buffer for the next recipient')
        const large = Buffer.alloc(20_000, 'c')
        const chunks = written(large)
        assert.equal(chunks.length, 2)
        assert.equal(chunks[1], large, 'not copied')
    })
})
