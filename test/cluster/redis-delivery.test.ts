// Requests to the owning node and room feeds through the real Redis.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ClusterUnavailableError, type ClusterRequest } from '../../src/cluster/cluster.js'
import { ClusterRequestError } from '../../src/cluster/redis.js'
import { childNode, sleep, waitFor, nodesOnSharedRedis } from './helpers.js'

const chat: ClusterRequest = { type: 'postChat', room: 'r', author: { userId: 'u', name: 'U' }, text: 'hello' }

describe('RedisDelivery and RedisFeeds', () => {
    const { prefix, nodes, redis } = nodesOnSharedRedis()

    test('a request runs on the target node and its answer or error comes back; to self it is a call', async (t) => {
        const a = await nodes.start()
        const b = await nodes.start()
        const seenOnB: ClusterRequest[] = []
        b.cluster.delivery.setHandler(async (request) => {
            seenOnB.push(request)
            if (request.type === 'closeRoom') throw Object.assign(new Error('no such room'), { code: 'roomNotFound' })
            return { on: b.id, type: request.type, room: request.type === 'roomDetails' ? request.room : undefined }
        })
        a.cluster.delivery.setHandler(async () => ({ on: a.id }))
        assert.deepEqual(await a.cluster.delivery.request(b.id, chat), { on: b.id, type: 'postChat' }, 'undefined fields vanish in JSON')
        assert.deepEqual(seenOnB, [chat])
        const failure = await a.cluster.delivery.request(b.id, { type: 'closeRoom', room: 'x' }).catch((e: unknown) => e)
        assert.ok(failure instanceof ClusterRequestError)
        assert.equal(failure.message, 'no such room')
        assert.equal(failure.code, 'roomNotFound')
        assert.deepEqual(await a.cluster.delivery.request(a.id, chat), { on: a.id })
        assert.equal(seenOnB.length, 2, 'the request to self did not travel')
        // Many at once, answers matched to their requests.
        const from = Date.now()
        const many = await Promise.all(Array.from({ length: 50 }, (_, i) => a.cluster.delivery.request(b.id, { type: 'roomDetails', room: `r${i}` })))
        assert.deepEqual(
            many.map((answer) => (answer as { room?: string }).room),
            Array.from({ length: 50 }, (_, i) => `r${i}`),
        )
        t.diagnostic(`50 concurrent requests A -> B answered in ${Date.now() - from} ms`)
    })

    test('every kind of request reaches the other node as sent', async () => {
        const a = await nodes.start()
        const b = await nodes.start()
        const seenOnB: ClusterRequest[] = []
        b.cluster.delivery.setHandler(async (request) => (seenOnB.push(request), null))
        // One of each kind, typed so that a kind added to ClusterRequest and left out here fails to compile.
        const every: { [K in ClusterRequest['type']]: Extract<ClusterRequest, { type: K }> } = {
            postChat: { ...(chat as Extract<ClusterRequest, { type: 'postChat' }>), playersOnly: true },
            closeRoom: { type: 'closeRoom', room: 'r' },
            kick: { type: 'kick', room: 'r', userId: 'u', until: 123 },
            removeEverywhere: { type: 'removeEverywhere', userId: 'u' },
            roomDetails: { type: 'roomDetails', room: 'r' },
            removeChat: { type: 'removeChat', room: 'r', message: { userId: null, value: 'a line', at: 5 } },
            roomChanged: { type: 'roomChanged', room: 'r', what: 'bans' },
            feedSince: { type: 'feedSince', room: 'r', after: '0123abcd.4' },
            reloadBans: { type: 'reloadBans' },
        }
        for (const request of Object.values(every)) {
            const answer = await a.cluster.delivery.request(b.id, request, 2000).catch((e: Error) => e)
            assert.equal(answer, null, `${request.type}: ${answer instanceof Error ? answer.message : 'answered'}`)
        }
        assert.deepEqual(seenOnB, Object.values(every))
    })

    test('unknown node: fails at once; frozen node: fails at the timeout; both with ClusterUnavailableError', async () => {
        const a = await nodes.start()
        let from = Date.now()
        await assert.rejects(
            a.cluster.delivery.request('nobody', chat),
            (e) => e instanceof ClusterUnavailableError && /not reachable/.test(e.message),
        )
        assert.ok(Date.now() - from < 200)

        const child = await childNode(prefix, 'frozen', [])
        try {
            assert.deepEqual(await a.cluster.delivery.request('frozen', chat), { node: 'frozen', request: chat }, 'answers while running')
            child.child.kill('SIGSTOP')
            from = Date.now()
            await assert.rejects(
                a.cluster.delivery.request('frozen', chat, 300),
                (e) => e instanceof ClusterUnavailableError && /did not answer within 300 ms/.test(e.message),
            )
            const took = Date.now() - from
            assert.ok(took >= 290 && took < 800, `failed after ${took} ms`)
        } finally {
            await child.kill()
        }
    })

    test('broadcast gathers the answers of every alive node in time, self included, a silent node left out', async () => {
        const a = await nodes.start()
        const b = await nodes.start()
        const c = await nodes.start()
        a.cluster.delivery.setHandler(async () => 'a')
        b.cluster.delivery.setHandler(async () => 'b')
        c.cluster.delivery.setHandler(() => sleep(1000).then(() => 'c (late)'))
        await waitFor('B and C alive on A', () => a.cluster.nodes.isAlive(b.id) && a.cluster.nodes.isAlive(c.id))
        // The earlier tests' nodes are alive too (some answer, some have stopped): each is an answer or a miss.
        const alive = a.cluster.nodes.alive().length
        const from = Date.now()
        const { answers, missed } = await a.cluster.delivery.broadcast({ type: 'removeEverywhere', userId: 'u' }, 300)
        assert.ok(Date.now() - from < 800)
        assert.deepEqual(
            answers.filter((x) => typeof x === 'string'),
            ['a', 'b'],
        )
        assert.ok(missed >= 1, 'C did not answer in time')
        assert.equal(answers.length + missed, alive)
        await Promise.all([b, c].map((n) => n.cluster.stop()))
    })

    test('malformed requests and answers are ignored; the node keeps answering', async () => {
        const a = await nodes.start()
        const b = await nodes.start()
        let calls = 0
        b.cluster.delivery.setHandler(async () => ++calls)
        for (const text of [
            '',
            '{',
            '42',
            '{"id":"1","from":"x","request":{"type":"drop tables"}}',
            '{"id":"1","from":"x","request":{"type":"kick","room":"r"}}',
            '{"id":"1","from":"x","request":{"type":"postChat","room":"r","author":{"userId":"u","name":"U"},"text":"t","playersOnly":"yes"}}',
        ])
            await redis.publish(`${prefix}request:${b.id}`, text)
        for (const text of ['', '{"id":5}', '{"id":"zzz","ok":true}']) await redis.publish(`${prefix}reply:${a.id}`, text)
        assert.equal(await a.cluster.delivery.request(b.id, chat), 1, 'only the well-formed request ran')
        assert.ok(b.log.lines.some((l) => l.msg === 'malformed cluster request dropped'))
    })

    test('feeds: entries published on the owner reach every subscriber elsewhere; unsubscribe stops them', async () => {
        const a = await nodes.start()
        const b = await nodes.start()
        const c = await nodes.start()
        const onB: string[] = []
        const onC: string[] = []
        const offB = b.cluster.feeds.subscribe('room-f', (e) => onB.push(e.id))
        const offC1 = c.cluster.feeds.subscribe('room-f', (e) => onC.push(`1:${e.id}`))
        const offC2 = c.cluster.feeds.subscribe('room-f', (e) => onC.push(`2:${e.id}`))
        c.cluster.feeds.subscribe('room-other', (e) => onC.push(`other:${e.id}`))
        await waitFor('the subscriptions', async () => (await redis.pubsub('NUMSUB', `${prefix}feed:room-f`))[1] === 2)
        const entry = (id: string) => ({ id, data: `{"id":"${id}"}`, at: Date.now(), event: { type: 'chat', text: id } })
        a.cluster.feeds.publish('room-f', entry('e1'))
        await waitFor('e1 everywhere', () => onB.length === 1 && onC.length === 2, 1000)
        assert.deepEqual(onC.sort(), ['1:e1', '2:e1'])
        offC1()
        offC1() // twice: nothing more
        offB()
        await redis.publish(`${prefix}feed:room-f`, 'not json')
        await redis.publish(`${prefix}feed:room-f`, '{"id":"x","data":"d","at":1,"event":{}}')
        a.cluster.feeds.publish('room-f', entry('e2'))
        await waitFor('e2 on C', () => onC.includes('2:e2'), 1000)
        assert.deepEqual(onB, ['e1'], 'B unsubscribed')
        assert.equal(onC.filter((x) => x.startsWith('1:')).length, 1, 'the first listener of C unsubscribed')
        offC2()
        await waitFor('the channel left', async () => (await redis.pubsub('NUMSUB', `${prefix}feed:room-f`))[1] === 0)
    })

    test('feeds: subscribed() settles once Redis holds the subscription, so an entry published then arrives', async () => {
        const a = await nodes.start()
        const b = await nodes.start()
        const heard: string[] = []
        b.cluster.feeds.subscribe('room-s', (e) => heard.push(e.id))
        await b.cluster.feeds.subscribed('room-s')
        assert.equal((await redis.pubsub('NUMSUB', `${prefix}feed:room-s`))[1], 1, 'subscribed before it settled')
        a.cluster.feeds.publish('room-s', { id: 's1', data: '{"id":"s1"}', at: Date.now(), event: { type: 'chat' } })
        await waitFor('s1 on B', () => heard.length === 1, 1000)
        await b.cluster.feeds.subscribed('room-unknown') // nothing subscribed: at once
    })
})
