// Baseline for the authentication benchmark: one core doing nothing but `crypto.verify` over the same
// signed bodies the server receives. Receives {jwk, items:[{body, signature}], ms} over IPC, answers
// {rate} in verifications per second, and what the host charged for a page fault and a system call
// just before (the loop does neither; the server does both, and on a VM their cost moves with the host).
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto'
import { fstatSync } from 'node:fs'

/** µs a first touch of a fresh 4 KB page costs (a zeroed 32 MB allocation, one write a page). */
function faultCost(): number {
    const bytes = new Uint8Array(32 << 20)
    const start = performance.now()
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 1
    return ((performance.now() - start) * 1000) / (bytes.length / 4096)
}

/** µs a bare system call costs (fstat of stdin, 20,000 times). */
function syscallCost(): number {
    const start = performance.now()
    for (let i = 0; i < 20_000; i++) fstatSync(0)
    return ((performance.now() - start) * 1000) / 20_000
}

process.on('message', (message: { jwk: JsonWebKey; items: { body: string; signature: string }[]; ms: number }) => {
    const host = { faultUs: faultCost(), syscallUs: syscallCost() }
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
    process.send!({ rate: (count * 1000) / (now - start), ...host })
})
console.log('READY {}')
process.on('SIGTERM', () => process.exit(0))
