// User profiles as the current Sonolus app sends them (ServiceUserProfile, @sonolus/core 7.15).
// Imports nothing from the server.
import { randomUUID } from 'node:crypto'

export type TestProfile = { id: string; handle: string; name: string } & Record<string, unknown>

/** A current-shape profile with a random id and handle; `extra` overrides or adds fields. */
export function makeProfile(name = 'Player', extra: Record<string, unknown> = {}): TestProfile {
    return {
        id: randomUUID().replaceAll('-', ''),
        handle: String(1000 + Math.floor(Math.random() * 9000)),
        name,
        avatarType: 'default',
        avatarForegroundType: 'player',
        avatarForegroundColor: '#ffffffff',
        avatarBackgroundType: 'default',
        avatarBackgroundColor: '#000020ff',
        bannerType: 'none',
        aboutMe: '',
        favorites: [],
        ...extra,
    }
}
