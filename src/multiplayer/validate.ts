// Shape checks for untrusted command input (parsed JSON). Each returns the value typed, or null.
import type { AutoExit, ChatMessage, GameplayResult, LevelOptionEntry, RoomStatus, ServiceUserId, Sil, Suggestion, UserStatus } from '@sonolus/core'

export const MAX_ADDRESS_LENGTH = 512
export const MAX_ITEM_NAME_LENGTH = 256
export const MAX_USER_ID_LENGTH = 256
/** Highest engine configuration option index accepted in level options. */
export const MAX_LEVEL_OPTION_INDEX = 255
export const MAX_RESULT_SCORE = 1e12
export const MAX_RESULT_COUNT = 1e8

export type Obj = Record<string, unknown>

export function asObject(value: unknown): Obj | null {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : null
}

export function asString(value: unknown, maxLength: number, minLength = 0): string | null {
    return typeof value === 'string' && value.length >= minLength && value.length <= maxLength ? value : null
}

export function asUserId(value: unknown): string | null {
    return asString(value, MAX_USER_ID_LENGTH, 1)
}

export function asSil(value: unknown): Sil | null {
    const o = asObject(value)
    if (!o) return null
    const address = asString(o.address, MAX_ADDRESS_LENGTH, 1)
    const name = asString(o.name, MAX_ITEM_NAME_LENGTH, 1)
    if (address === null || name === null) return null
    // Rebuilt so no extra fields travel into the room state.
    return { address, name }
}

export function asSuggestion(value: unknown): Suggestion | null {
    const o = asObject(value)
    if (!o) return null
    const userId = asUserId(o.userId)
    const level = asSil(o.level)
    if (userId === null || level === null) return null
    return { userId: userId as ServiceUserId, level }
}

export const autoExits: readonly AutoExit[] = ['off', 'pass', 'fullCombo', 'allPerfect']
export function asAutoExit(value: unknown): AutoExit | null {
    return autoExits.includes(value as AutoExit) ? (value as AutoExit) : null
}

export const roomStatuses: readonly RoomStatus[] = ['selecting', 'preparing', 'playing']
export function asRoomStatus(value: unknown): RoomStatus | null {
    return roomStatuses.includes(value as RoomStatus) ? (value as RoomStatus) : null
}

export const userStatuses: readonly UserStatus[] = ['waiting', 'ready', 'skipped', 'playing']
export function asUserStatus(value: unknown): UserStatus | null {
    return userStatuses.includes(value as UserStatus) ? (value as UserStatus) : null
}

export function asLevelOption(value: unknown): LevelOptionEntry | null {
    const o = asObject(value)
    if (!o) return null
    const { index, value: v } = o
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > MAX_LEVEL_OPTION_INDEX) return null
    if (typeof v !== 'number' || !Number.isFinite(v)) return null
    return { index, value: v }
}

const grades: readonly GameplayResult['grade'][] = ['allPerfect', 'fullCombo', 'pass', 'fail']

export function asGameplayResult(value: unknown): GameplayResult | null {
    const o = asObject(value)
    if (!o) return null
    if (!grades.includes(o.grade as GameplayResult['grade'])) return null
    const score = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_RESULT_SCORE ? v : null)
    const count = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_RESULT_COUNT ? v : null)
    const arcadeScore = score(o.arcadeScore)
    const accuracyScore = score(o.accuracyScore)
    const combo = count(o.combo)
    const perfect = count(o.perfect)
    const great = count(o.great)
    const good = count(o.good)
    const miss = count(o.miss)
    const totalCount = count(o.totalCount)
    if (
        arcadeScore === null ||
        accuracyScore === null ||
        combo === null ||
        perfect === null ||
        great === null ||
        good === null ||
        miss === null ||
        totalCount === null
    ) {
        return null
    }
    return { grade: o.grade as GameplayResult['grade'], arcadeScore, accuracyScore, combo, perfect, great, good, miss, totalCount }
}

const quickValues = ['hello', 'glhf', 'gg', 'ns', 'ty'] as const

/** A chat message as sent; `userId` is ignored (the server writes the sender's). */
export function asChatMessage(value: unknown, actorId: string, maxTextLength: number): ChatMessage | 'tooLong' | null {
    const o = asObject(value)
    if (!o) return null
    if (o.type === 'quick') {
        if (!quickValues.includes(o.value as (typeof quickValues)[number])) return null
        return { userId: actorId as ServiceUserId, type: 'quick', value: o.value as (typeof quickValues)[number] }
    }
    if (o.type === 'text') {
        if (typeof o.value !== 'string') return null
        // Cheap bound first (a code point is at most 2 UTF-16 units), exact count after.
        if (o.value.length > maxTextLength * 2) return 'tooLong'
        if ([...o.value].length > maxTextLength) return 'tooLong'
        if (o.value.trim().length === 0) return null
        return { userId: actorId as ServiceUserId, type: 'text', value: o.value }
    }
    return null
}
