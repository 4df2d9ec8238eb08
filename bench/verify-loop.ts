// Baseline for the authentication benchmark: one core doing nothing but `crypto.verify` over the same
// signed bodies the server receives. Receives {jwk, items:[{body, signature}], ms} over IPC, answers
// {rate} in verifications per second.
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto'

process.on('message', (message: { jwk: JsonWebKey; items: { body: string; signature: string }[]; ms: number }) => {
    const key = createPublicKey({ key: message.jwk, format: 'jwk' })
    const items = message.items.map((item) => ({
        body: Buffer.from(item.body),
        signature: Buffer.from(item.signature, 'base64'),
    }))
    let count = 0
    const start = performance.now()
    let now = start
    while (now - start < message.ms) {
        for (let i = 0; i < 100; i++) {
            const item = items[count % items.length]!
            if (!verify('sha256', item.body, { key, dsaEncoding: 'ieee-p1363' }, item.signature)) {
                throw new Error('baseline verify failed')
            }
            count++
        }
        now = performance.now()
    }
    process.send!({ rate: (count * 1000) / (now - start) })
})
console.log('READY {}')
process.on('SIGTERM', () => process.exit(0))
