// textFrameHeader against ws itself: the bytes ws's Sender would write for the same text message, at every
// length class of the header (7-bit, 16-bit, 64-bit), and one header per payload.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as ws from 'ws'
import { textFrameHeader } from '../../src/transport/text-frame.js'

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
