// A NewRoom for store tests: the fields a test does not care about, filled in; a test names the rest.
import type { NewRoom } from '../../src/store/store.js'

export const newRoom = (name: string, fields: Partial<NewRoom> = {}): NewRoom => ({
    name,
    creatorId: 'creator',
    title: `Room ${name}`,
    passwordHash: null,
    maxPlayers: 8,
    scoring: 'arcade',
    teams: 0,
    allowOtherServers: true,
    optionValues: '',
    nodeId: 'node-1',
    createdAt: 1000,
    ...fields,
})
