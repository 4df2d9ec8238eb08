import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Delivery, EngineOutput } from '../../src/multiplayer/index.js'
import { renderNotice } from '../../src/multiplayer/index.js'
import { level } from '../helpers/gameplay.js'
import { events, Harness, notices } from './harness.js'

function setup(n = 3): Harness {
    const h = new Harness({ limits: { chat: { burst: 100, windowMs: 1000 } } })
    for (let i = 1; i <= n; i++) h.join(`u${i}`)
    return h
}

function deliveries(output: EngineOutput): Delivery[] {
    return output.out.filter((i): i is Delivery => !('kind' in i))
}

describe('chat', () => {
    it('echoes the nonce to the sender only and writes the sender as author', () => {
        const h = setup()
        const out = h.command('u2', { type: 'addChatMessage', nonce: 42, message: { userId: 'u3', type: 'text', value: 'hi all' } })
        assert.equal(out.ignored, undefined)
        assert.deepEqual(
            deliveries(out).map((d) => [d.event, d.to]),
            [
                [{ type: 'addChatMessage', nonce: 42, message: { userId: 'u2', type: 'text', value: 'hi all' } }, { only: ['u2'] }],
                [{ type: 'addChatMessage', message: { userId: 'u2', type: 'text', value: 'hi all' } }, { except: 'u2' }],
            ],
        )
        assert.deepEqual(out.effects, [{ type: 'chat', message: { userId: 'u2', type: 'text', value: 'hi all' }, at: h.now }])
        assert.deepEqual(h.client('u2').model.chat.at(-1), { nonce: 42, message: { userId: 'u2', type: 'text', value: 'hi all' } })
        assert.deepEqual(h.client('u1').model.chat.at(-1), { message: { userId: 'u2', type: 'text', value: 'hi all' } })
        assert.equal('nonce' in h.client('u3').model.chat.at(-1)!, false)
    })
    it('resolves the sender’s pending nonce', () => {
        const h = setup()
        const { nonce } = h.chat('u1', 'hello')
        assert.equal(h.client('u1').model.pendingNonces.has(nonce), false)
    })
    it('quick messages', () => {
        const h = setup()
        const out = h.command('u1', { type: 'addChatMessage', nonce: 1, message: { userId: 'u1', type: 'quick', value: 'glhf' } })
        assert.equal(events(out).length, 2)
        assert.match(h.command('u1', { type: 'addChatMessage', nonce: 2, message: { type: 'quick', value: 'lol' } }).ignored!, /malformed/)
    })
    it('length limits: the maximum passes, one more is refused with a private notice', () => {
        const h = setup()
        assert.equal(h.chat('u1', 'あ'.repeat(200)).output.ignored, undefined)
        assert.equal(h.chat('u1', '😀'.repeat(200)).output.ignored, undefined, 'characters, not UTF-16 units')
        const long = h.chat('u1', 'x'.repeat(201)).output
        assert.match(long.ignored!, /too long/)
        assert.deepEqual(notices(long), [{ key: 'chat.tooLong', to: { only: ['u1'] }, params: { max: 200 } }])
        assert.equal(events(long).length, 0)
        assert.match(h.chat('u1', 'x'.repeat(100_000)).output.ignored!, /too long/)
        assert.match(h.chat('u1', '   ').output.ignored!, /malformed/)
    })
    it('malformed messages and nonces', () => {
        const h = setup()
        for (const raw of [
            { type: 'addChatMessage', message: { type: 'text', value: 'x' } },
            { type: 'addChatMessage', nonce: 'a', message: { type: 'text', value: 'x' } },
            { type: 'addChatMessage', nonce: 1, message: { type: 'text', value: 5 } },
            { type: 'addChatMessage', nonce: 1, message: { type: 'image', value: 'x' } },
            { type: 'addChatMessage', nonce: 1 },
        ]) {
            const out = h.command('u1', raw)
            assert.ok(out.ignored)
            assert.equal(out.out.length, 0)
        }
    })
    it('rate limit: a burst, then refused with a notice, then allowed again', () => {
        const h = new Harness()
        h.join('u1')
        for (let i = 0; i < 5; i++) assert.equal(h.chat('u1', `m${i}`).output.ignored, undefined)
        const refused = h.chat('u1', 'too fast').output
        assert.match(refused.ignored!, /rate/)
        assert.deepEqual(
            notices(refused).map((n) => n.key),
            ['chat.tooFast'],
        )
        h.advance(1000)
        assert.equal(h.chat('u1', 'again').output.ignored, undefined)
    })
})

describe('chat commands', () => {
    it('/help answers the sender only, and the command line is echoed to the sender only', () => {
        const h = setup()
        const out = h.command('u2', { type: 'addChatMessage', nonce: 7, message: { type: 'text', value: '/help' } })
        assert.deepEqual(
            deliveries(out).map((d) => d.to),
            [{ only: ['u2'] }],
        )
        assert.deepEqual(out.effects, [])
        assert.deepEqual(
            out.out.filter((i) => 'kind' in i),
            [{ kind: 'notice', to: { only: ['u2'] }, key: 'command.help', params: {}, chat: { persist: false } }],
        )
    })
    it('/roll uses the context randomness and tells everybody', () => {
        const h = setup()
        const out = h.chat('u2', '/roll 6').output
        const [roll] = notices(out)
        assert.equal(roll!.key, 'roll.result')
        assert.equal(roll!.to, 'all')
        assert.ok(Number(roll!.params.value) >= 1 && Number(roll!.params.value) <= 6)
        assert.equal(roll!.params.max, 6)
        assert.equal(notices(h.chat('u2', '/roll').output)[0]!.params.max, 100)
        assert.equal(notices(h.chat('u2', '/roll 0').output)[0]!.key, 'command.usage')
        assert.equal(notices(h.chat('u2', '/roll x').output)[0]!.key, 'command.usage')
        assert.equal(notices(h.chat('u2', '/ROLL 2').output)[0]!.key, 'roll.result')
    })
    it('/random: none, announced for players, selected as the level by the lead while selecting', () => {
        const h = setup()
        assert.equal(notices(h.chat('u2', '/random').output)[0]!.key, 'random.none')
        h.command('u2', { type: 'addSuggestion', level: level('a') })
        const announced = h.chat('u2', '/random').output
        assert.equal(notices(announced)[0]!.key, 'random.announced')
        assert.equal(events(announced, 'updateLevel').length, 0)
        const picked = h.chat('u1', '/random').output
        assert.deepEqual(events(picked, 'updateLevel'), [{ type: 'updateLevel', level: level('a') }])
        assert.deepEqual(notices(picked)[0]!.params, { name: 'Player u1', level: 'a', by: 'Player u2' })
        h.assertConverged()
    })
    it('/kick <handle or name> is the master’s', () => {
        const h = setup()
        assert.equal(notices(h.chat('u2', '/kick 3').output)[0]!.key, 'command.notAllowed')
        assert.equal(notices(h.chat('u1', '/kick').output)[0]!.key, 'command.usage')
        assert.equal(notices(h.chat('u1', '/kick nobody').output)[0]!.key, 'kick.notFound')
        assert.equal(notices(h.chat('u1', '/kick 1').output)[0]!.key, 'kick.self')
        const byHandle = h.chat('u1', '/kick #3').output
        assert.deepEqual(byHandle.effects, [{ type: 'kick', userId: 'u3' }])
        const byName = h.chat('u1', '/kick player U2').output
        assert.deepEqual(byName.effects, [{ type: 'kick', userId: 'u2' }])
        assert.deepEqual([...h.room.members.keys()], ['u1'])
        h.assertConverged()
    })
    it('/kick refuses an ambiguous name', () => {
        const h = new Harness({ limits: { chat: { burst: 100, windowMs: 1000 } } })
        h.join('u1')
        h.join('u2', { name: 'Same' })
        h.join('u3', { name: 'same' })
        assert.equal(notices(h.chat('u1', '/kick same').output)[0]!.key, 'kick.ambiguous')
    })
    it('/title is the master’s and renames the room', () => {
        const h = setup()
        assert.equal(notices(h.chat('u2', '/title Mine').output)[0]!.key, 'command.notAllowed')
        const out = h.chat('u1', '/title  Friday   night ').output
        assert.deepEqual(events(out, 'updateTitle'), [{ type: 'updateTitle', title: 'Friday   night' }])
        assert.deepEqual(out.effects, [{ type: 'titleChanged', title: 'Friday   night' }])
        assert.equal(notices(h.chat('u1', `/title ${'x'.repeat(101)}`).output)[0]!.key, 'command.usage')
        h.assertConverged()
    })
    it('/lock and /unlock are the lead’s', () => {
        const h = setup()
        assert.equal(notices(h.chat('u2', '/lock').output)[0]!.key, 'command.notAllowed')
        assert.deepEqual(events(h.chat('u1', '/lock').output, 'updateIsSuggestionsLocked').length, 1)
        assert.equal(h.room.view.isSuggestionsLocked, true)
        h.chat('u1', '/unlock')
        assert.equal(h.room.view.isSuggestionsLocked, false)
        h.assertConverged()
    })
    it('unknown commands answer with a hint', () => {
        const h = setup()
        assert.deepEqual(notices(h.chat('u1', '/dance').output)[0]!.params, { command: '/dance' })
    })
})

describe('notices', () => {
    it('render in English and Japanese, falling back to English', () => {
        assert.equal(renderNotice('en', 'user.joined', { name: 'A' }), 'A joined the room.')
        assert.equal(renderNotice('ja-JP', 'user.joined', { name: 'A' }), 'Aさんが入室しました。')
        assert.equal(renderNotice('fr', 'user.joined', { name: 'A' }), 'A joined the room.')
        // A key that is not in the table does not compile; one that slips through (a cast) renders as itself.
        // @ts-expect-error 'no.such.key' is not a notice key
        assert.equal(renderNotice('en', 'no.such.key'), 'no.such.key')
        assert.equal(renderNotice('ja', 'command.notAllowed', { role: 'master', command: '/kick' }), '/kick はルームマスターのみ使用できます。')
        assert.equal(renderNotice('en', 'round.finished', { round: 2, ranking: '1. A (5)', more: 3 }), 'Round 2 finished. 1. A (5) (+3 more)')
        assert.equal(renderNotice('en', 'round.finished', { round: 2, ranking: '1. A (5)', more: 0 }), 'Round 2 finished. 1. A (5)')
        assert.equal(renderNotice('en', 'user.joined', { name: '{name}' }), '{name} joined the room.')
    })
})

describe('chat from outside the game', () => {
    it('a member writes as themselves, anyone else as a named system line', async () => {
        const { postChatMessage } = await import('../../src/multiplayer/index.js')
        const h = setup(2)
        const member = postChatMessage(h.room, { userId: 'u2' }, 'from the web', h.ctx())
        h.route(member)
        assert.deepEqual(events(member), [{ type: 'addChatMessage', message: { userId: 'u2', type: 'text', value: 'from the web' } }])
        assert.equal(member.effects[0]!.type, 'chat')
        const guest = postChatMessage(h.room, { userId: 'web-1', name: 'Guest' }, 'hi', h.ctx())
        h.route(guest)
        assert.deepEqual(events(guest), [{ type: 'addChatMessage', message: { userId: null, type: 'text', value: 'Guest: hi' } }])
        assert.match(postChatMessage(h.room, { userId: null }, ' ', h.ctx()).ignored!, /malformed/)
        assert.match(postChatMessage(h.room, { userId: null }, 'x'.repeat(201), h.ctx()).ignored!, /too long/)
        assert.equal(h.client('u1').model.chat.at(-1)!.message.value, 'Guest: hi')
    })
})
