// Levels and results as the app sends them in commands: a level reference (Sil), a LevelItem for
// startGameplay, and a plausible GameplayResult.
import type { GameplayResult, LevelItem, Sil } from '@sonolus/core'
import { DEFAULT_ADDRESS } from './room-user.js'

/**
 * A level reference. By default it is on the address the in-memory engine's rooms run at, so there it is
 * this server's own level (allowed even where other servers are not); a real test server listens
 * elsewhere, so there it is another server's level.
 */
export const level = (name: string, address = DEFAULT_ADDRESS): Sil => ({ address, name })

export const levelItem = (name: string): LevelItem =>
    ({ name, version: 1, rating: 1, title: name, artists: '', author: '', tags: [] }) as unknown as LevelItem

export const sampleResult = (arcadeScore: number, accuracyScore = arcadeScore / 2): GameplayResult => ({
    grade: 'pass',
    arcadeScore,
    accuracyScore,
    combo: 10,
    perfect: 8,
    great: 1,
    good: 1,
    miss: 0,
    totalCount: 10,
})
