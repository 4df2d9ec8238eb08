import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { UpdateEvent } from '@sonolus/core'
import { ClientModel, FatalEventError, defaultRoomOptions } from '../../src/multiplayer/index.js'
import { level } from '../helpers/gameplay.js'
import { makeRoomUser } from '../helpers/room-user.js'

const T0 = 1_700_000_000_000
const me = makeRoomUser({ id: 'me', time: T0 })
const other = makeRoomUser({ id: 'other', time: T0 })

function update(overrides: Partial<UpdateEvent> = {}): UpdateEvent {
    return {
        type: 'update',
        allowOtherServers: false,
        reportUserOptions: [],
        title: 't',
        status: 'playing',
        master: null,
        lead: null,
        options: defaultRoomOptions(),
        optionValues: '',
        level: level('x'),
        levelOptions: [],
        autoExit: 'off',
        isSuggestionsLocked: false,
        suggestions: [],
        scoreboardSections: [],
        results: [],
        users: [me, other],
        userStatuses: [
            { userId: 'me' as never, status: 'ready' },
            { userId: 'other' as never, status: 'waiting' },
        ],
        ...overrides,
    }
}

describe('client model', () => {
    it('ignores everything until an UpdateEvent', () => {
        const model = new ClientModel('me')
        model.receive({ type: 'updateTitle', title: 'ignored' })
        model.receive({ type: 'removeUser', user: me })
        assert.equal(model.phase, 'uninitialized')
        model.receive(update())
        assert.equal(model.phase, 'active')
        assert.equal(model.view!.title, 't')
    })
    it('a fatal UpdateEvent leaves it uninitialized', () => {
        const model = new ClientModel('me')
        assert.throws(() => model.receive(update({ users: [other], userStatuses: [] })), FatalEventError)
        assert.equal(model.phase, 'uninitialized')
    })
    it('applies the self checks', () => {
        const model = new ClientModel('me')
        model.receive(update())
        assert.throws(() => model.receive({ type: 'removeUser', user: me }), /is the client/)
        assert.throws(() => model.receive({ type: 'updateUsers', users: [other] }), /client's user/)
        model.receive({ type: 'removeUser', user: other })
        assert.equal(model.view!.users.length, 1)
    })
    it('starts a round once; the round resets when the room stops playing or on UpdateEvent', () => {
        const model = new ClientModel('me')
        model.receive(update())
        model.receive({ type: 'startRound', state: 's1', seed: 0.25 })
        assert.deepEqual(model.roundStarted, { state: 's1', seed: 0.25 })
        assert.throws(() => model.receive({ type: 'startRound', state: 's2', seed: 0.5 }), /already started/)
        model.receive({ type: 'updateUserStatuses', userStatuses: [] })
        model.receive({ type: 'updateStatus', status: 'selecting' })
        assert.equal(model.roundStarted, null)
        model.receive(update())
        model.receive({ type: 'startRound', state: 's3', seed: 0.5 })
        model.receive(update())
        assert.equal(model.roundStarted, null)
    })
    it('is suspended during gameplay and uninitialized after it', () => {
        const model = new ClientModel('me')
        model.receive(update())
        model.startGameplay()
        model.receive({ type: 'updateTitle', title: 'missed' })
        model.receive({ type: 'removeUser', user: me })
        assert.equal(model.view!.title, 't')
        model.finishGameplay()
        model.receive({ type: 'updateTitle', title: 'missed too' })
        assert.equal(model.phase, 'uninitialized')
        model.receive(update({ title: 'fresh' }))
        assert.equal(model.phase, 'active')
        assert.equal(model.view!.title, 'fresh')
    })
    it('keeps chat with nonces', () => {
        const model = new ClientModel('me', { chatLimit: 2 })
        model.receive(update())
        const nonce = model.nextNonce()
        model.receive({ type: 'addChatMessage', message: { userId: null, type: 'text', value: 'a' } })
        model.receive({ type: 'addChatMessage', nonce, message: { userId: 'me' as never, type: 'text', value: 'b' } })
        model.receive({ type: 'addChatMessage', message: { userId: 'other' as never, type: 'quick', value: 'gg' } })
        assert.equal(model.pendingNonces.size, 0)
        assert.deepEqual(
            model.chat.map((c) => c.message.value),
            ['b', 'gg'],
        )
    })
})
