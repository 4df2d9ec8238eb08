// Child process of the kill -9 test: writes sign-ins, joins, chat lines and results to a PostgreSQL store
// as fast as it can and prints one line per write once its promise settled (the moment an answer would
// leave). Run without a URL (as the test runner does with every file here) it does nothing.
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'

const [url, schema] = process.argv.slice(2)
if (url) {
    const store = await PostgresStore.open({ url, schema })
    const T = Date.now()
    const ack = (line: string) => process.stdout.write(line + '\n')
    let i = 0
    // Many writes in flight at once, as under real traffic (the group commit batches the sign-ins and joins).
    const worker = async () => {
        for (;;) {
            const n = i++
            const user = { id: `u${n}`, handle: `h${n}`, name: `P${n}`, profile: { n }, updatedAt: T }
            const kinds = [
                store
                    .recordSignIn({
                        nonce: { hash: `s${n}`, time: T, expiresAt: T + 1e9 },
                        user,
                        session: { tokenHash: `t${n}`, userId: user.id, createdAt: T, expiresAt: T + 1e9 },
                    })
                    .then((ok) => ok && ack(`signin t${n}`)),
                store
                    .recordJoin({
                        nonce: { hash: `j${n}`, time: T, expiresAt: T + 1e9 },
                        user,
                        joinSession: { tokenHash: `jt${n}`, roomName: 'r', userId: user.id, payload: '', expiresAt: T + 1e9 },
                    })
                    .then((ok) => ok && ack(`join jt${n}`)),
                store.insertChatMessage({ roomName: 'r', userId: user.id, type: 'text', value: `c${n}`, at: T }).then((id) => ack(`chat ${id}`)),
                store.insertRoundResult({ roomName: 'r', round: n, userId: user.id, result: { n } as any, at: T }).then((id) => ack(`result ${id}`)),
            ]
            await Promise.all(kinds)
        }
    }
    await Promise.all(Array.from({ length: 16 }, worker))
}
