// The generated schemas themselves: branded ids kept as strings, the overlay's tightenings in force,
// unknown fields refused. A schema that accepts anything would make every other check pass.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkFrame, officialEventTypes, tightenings, validateAgainst, validateEvent, validateSonolusAnswer } from './validate.js'

const user = 'a1b2c3'
const base64 = (text: string) => Buffer.from(text).toString('base64')
const roomUser = { authentication: base64('{"type":"authenticateMultiplayer"}'), signature: base64('r'.repeat(64)) }
const form = { type: 'room', title: '#ROOM', requireConfirmation: false, options: [] }
const update = {
    type: 'update',
    allowOtherServers: true,
    reportUserOptions: [],
    title: 'Room',
    status: 'selecting',
    master: user,
    lead: null,
    options: [form],
    optionValues: 'type=room',
    level: null,
    levelOptions: [],
    autoExit: 'off',
    isSuggestionsLocked: false,
    suggestions: [],
    scoreboardSections: [{ title: '#ARCADE_SCORE', scores: [{ userId: user, value: '1' }] }],
    results: [],
    users: [roomUser],
    userStatuses: [{ userId: user, status: 'waiting' }],
}

test('the Event union has the 42 event types, each with its own schema', () => {
    assert.equal(officialEventTypes.length, 42)
    assert.equal(validateEvent(update), null)
    assert.match(validateEvent({ type: 'updateEverything' })!, /unknown event type/)
})

test('branded ids are strings: a ScoreEntry needs its userId, as a string', () => {
    assert.equal(validateAgainst('ScoreEntry', { userId: user, value: '1' }), null)
    assert.match(validateAgainst('ScoreEntry', { value: '1' })!, /userId/)
    assert.match(validateAgainst('ScoreEntry', { userId: 7, value: '1' })!, /must be string/)
    assert.equal(validateEvent({ type: 'updateMaster', master: user }), null)
    assert.equal(validateEvent({ type: 'updateMaster', master: null }), null)
})

test('fields the official types do not know are refused', () => {
    assert.match(validateEvent({ ...update, extra: 1 })!, /additional properties/)
    assert.match(validateEvent({ type: 'updateUserStatus', userStatus: { userId: user, status: 'waiting', since: 1 } })!, /additional properties/)
})

test('the overlay tightens what the spec texts say', () => {
    assert.ok(tightenings.length >= 40)
    assert.match(validateEvent({ type: 'startRound', state: 's', seed: 1.5 })!, /seed must be <= 1/)
    assert.equal(validateEvent({ type: 'startRound', state: 's', seed: 0.25 }), null)
    assert.match(validateEvent({ type: 'removeScoreboardSection', index: -1 })!, /must be >= 0/)
    assert.match(validateEvent({ type: 'moveScoreboardSection', fromIndex: 0.5, toIndex: 1 })!, /must be integer/)
    assert.match(validateEvent({ type: 'arrangeScoreboardSectionScores', sectionIndex: 0, indexes: [1, 1] })!, /duplicate/)
    assert.match(validateEvent({ ...update, options: [] })!, /fewer than 1/)
    assert.match(validateEvent({ ...update, status: 'preparing' })!, /level/)
    assert.equal(validateEvent({ ...update, status: 'preparing', level: { address: 'https://x', name: 'l' } }), null)
    assert.match(validateEvent({ ...update, users: [roomUser, roomUser] })!, /duplicate/)
    assert.match(validateEvent({ ...update, users: [{ ...roomUser, signature: 'not base64!' }] })!, /pattern/)
    assert.match(validateAgainst('ServerJoinRoomResponse', { url: 'http://x/multiplayer/rooms/a', type: 'round', session: 's' })!, /pattern/)
    assert.match(validateAgainst('ServerAuthenticateResponse', { session: 's', expiration: 1.5 })!, /integer/)
})

test('frames: text only, JSON only', () => {
    assert.equal(checkFrame(Buffer.from(JSON.stringify(update)), false).type, 'update')
    assert.throws(() => checkFrame(Buffer.from(JSON.stringify(update)), true), /binary frame/)
    assert.throws(() => checkFrame(Buffer.from('{"type":'), false), /not JSON/)
})

test('HTTP answers: 200 by endpoint, errors as ServerMessage, other paths unchecked', () => {
    assert.equal(validateSonolusAnswer('POST', '/sonolus/rooms/create', 200, '{"name":"n","key":"k"}'), null)
    assert.match(validateSonolusAnswer('POST', '/sonolus/rooms/abc', 200, '{"name":"n","key":"k"}')!, /url/)
    assert.equal(validateSonolusAnswer('POST', '/sonolus/rooms/abc', 404, '{"message":"no"}'), null)
    assert.match(validateSonolusAnswer('GET', '/sonolus/info', 401, '{"error":"no"}')!, /additional properties/)
    assert.match(validateSonolusAnswer('GET', '/sonolus/info', 500, 'oops')!, /not JSON/)
    assert.equal(validateSonolusAnswer('GET', '/api/rooms/x/chat', 200, '{}'), undefined)
})
