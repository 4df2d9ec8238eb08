// A room as a Sonolus RoomItem (https://wiki.sonolus.com/custom-server-specs/misc/room-item): live title,
// status and level in
// the subtitle, master, and tags for private / players / full / teams.
import type { RoomItem, Tag } from '@sonolus/core'
import type { Translate } from '../../i18n.js'
import type { ListedRoom } from '../../rooms/directory.js'
import type { LiveRoomInfo } from '../../rooms/live-info.js'

const statusText = { selecting: 'statusSelecting', preparing: 'statusPreparing', playing: 'statusPlaying' } as const

export const statusLabel = (tr: Translate, status: LiveRoomInfo['status']): string => tr(statusText[status])

export function roomItem({ room, live }: ListedRoom, tr: Translate): RoomItem {
    const tags: Tag[] = []
    if (room.passwordHash !== null) tags.push({ title: tr('tagPrivate'), icon: 'lock' })
    tags.push({ title: tr('players', { count: live.playerCount, max: room.maxPlayers }), icon: 'player' })
    if (live.playerCount >= room.maxPlayers) tags.push({ title: tr('tagFull') })
    if (room.teams) tags.push({ title: tr('tagTeams', { count: room.teams }) })
    const status = statusLabel(tr, live.status)
    return {
        name: room.name,
        title: live.title || room.title,
        subtitle: live.level ? `${status} · ${live.level.name}` : status,
        master: live.masterName ?? room.creatorName ?? '',
        tags,
    }
}
