// A verifier thread of VerifierPool: receives batches of (body bytes, raw r||s signature) packed in one
// transferred ArrayBuffer, answers one byte per item (1: valid). It answers a few items at a time rather
// than the whole batch at the end, so the event loop goes on with the first requests of a batch while
// this thread checks the rest (a batch answered at once makes the two threads take turns idling).
// Layout of a batch (see verifier-pool.ts, packBatch): u32 count, u32 offsets[count + 1] (into the body
// area), count × 64 signature bytes, then the bodies back to back.
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'

export type VerifierWorkerData = { jwk: JsonWebKey; answerEvery: number }
export type VerifyBatch = { id: number; buffer: ArrayBuffer }
/** Results of items from..from + results.length - 1 of batch `id`. */
export type VerifyAnswer = { id: number; from: number; results: Uint8Array }

const { jwk, answerEvery } = workerData as VerifierWorkerData

const options = { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' as const }

parentPort!.on('message', ({ id, buffer }: VerifyBatch) => {
    const count = new Uint32Array(buffer, 0, 1)[0]!
    const offsets = new Uint32Array(buffer, 4, count + 1)
    const signatures = 4 * (count + 2)
    const bodies = signatures + 64 * count
    for (let from = 0; from < count; from += answerEvery) {
        const results = new Uint8Array(Math.min(answerEvery, count - from))
        for (let j = 0; j < results.length; j++) {
            const i = from + j
            const body = new Uint8Array(buffer, bodies + offsets[i]!, offsets[i + 1]! - offsets[i]!)
            const signature = new Uint8Array(buffer, signatures + 64 * i, 64)
            try {
                results[j] = verify('sha256', body, options, signature) ? 1 : 0
            } catch {
                results[j] = 0
            }
        }
        parentPort!.postMessage({ id, from, results } satisfies VerifyAnswer, [results.buffer])
    }
})
