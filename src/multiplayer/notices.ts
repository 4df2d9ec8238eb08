// System chat texts (messages with `userId: null`). The engine emits notices as a key and parameters;
// the runtime renders them per recipient locale with `renderNotice`. Room-state texts (section titles,
// option names) are '#...' Text codes instead, localized by the app itself.
import { resolveLocale, type Locale } from '../locale.js'

const en = {
    'user.joined': '{name} joined the room.',
    'user.left': '{name} left the room.',
    'user.kicked': '{name} was kicked from the room.',
    'user.expired': '{name} was removed from the room (session expired).',
    'role.master': '{name} is now the room master.',
    'role.lead': '{name} is now the room lead.',
    'round.started': 'Round {round} started with {count} player(s).',
    'round.finished': 'Round {round} finished. {ranking}{more}',
    'round.finishedEmpty': 'Round {round} finished without results.',
    'round.more': ' (+{count} more)',
    'chat.tooLong': 'Message not sent: at most {max} characters.',
    'chat.tooFast': 'Message not sent: you are sending messages too fast.',
    'command.help':
        'Commands: /help, /roll [max] (random number), /random (pick a suggestion; the lead selects it), ' +
        '/lock and /unlock (lead: suggestions), /title <text> and /kick <name> (master).',
    'command.unknown': 'Unknown command {command}. Type /help for the list.',
    'command.notAllowed': 'Only the {role} can use {command}.',
    'command.usage': 'Usage: {usage}',
    'command.notNow': '{command} is not available right now.',
    'roll.result': '{name} rolled {value} (1-{max}).',
    'random.none': 'There are no suggestions to pick from.',
    'random.picked': '{name} picked {level} (suggested by {by}) at random.',
    'random.announced': 'Random pick: {level} (suggested by {by}).',
    'kick.notFound': 'No player matches "{target}".',
    'kick.ambiguous': 'Several players match "{target}"; use their handle.',
    'kick.self': 'You cannot kick yourself.',
    'title.changed': '{name} renamed the room to "{title}".',
    'suggestions.locked': '{name} locked the suggestions.',
    'suggestions.unlocked': '{name} unlocked the suggestions.',
    'report.received': 'Thank you, your report was received.',
    'server.shutdown': 'The server is restarting. This room closes now; please join again in a minute.',
    'room.closedByModerator': 'A moderator closed this room.',
    'room.closedNodeLost':
        'This room was closed: its server lost touch with the other servers for a few seconds, and they closed it. Please join another room.',
}

/** The notices there are: a key not in the English table is a type error wherever a notice is emitted. */
export type NoticeKey = keyof typeof en
export type NoticeTable = Record<NoticeKey, string>

const ja: NoticeTable = {
    'user.joined': '{name}さんが入室しました。',
    'user.left': '{name}さんが退室しました。',
    'user.kicked': '{name}さんがキックされました。',
    'user.expired': '{name}さんはセッションの期限切れのため退室しました。',
    'role.master': '{name}さんがルームマスターになりました。',
    'role.lead': '{name}さんがルームリードになりました。',
    'round.started': 'ラウンド{round}が{count}人で始まりました。',
    'round.finished': 'ラウンド{round}が終了しました。{ranking}{more}',
    'round.finishedEmpty': 'ラウンド{round}は結果なしで終了しました。',
    'round.more': '（他{count}人）',
    'chat.tooLong': '送信できません：{max}文字以内で入力してください。',
    'chat.tooFast': '送信できません：メッセージの送信が速すぎます。',
    'command.help':
        'コマンド：/help、/roll [最大値]（乱数）、/random（候補からランダムに選択。リードの場合は選曲）、' +
        '/lock と /unlock（リード：候補のロック）、/title <タイトル> と /kick <名前>（マスター）。',
    'command.unknown': '{command} は不明なコマンドです。/help で一覧を表示します。',
    'command.notAllowed': '{command} は{role}のみ使用できます。',
    'command.usage': '使い方：{usage}',
    'command.notNow': '{command} は現在使用できません。',
    'roll.result': '{name}さんが{value}を出しました（1〜{max}）。',
    'random.none': '選べる候補がありません。',
    'random.picked': '{name}さんがランダムに{level}を選びました（{by}さんの候補）。',
    'random.announced': 'ランダム選択：{level}（{by}さんの候補）',
    'kick.notFound': '「{target}」に一致するプレイヤーがいません。',
    'kick.ambiguous': '「{target}」に一致するプレイヤーが複数います。ハンドルで指定してください。',
    'kick.self': '自分自身はキックできません。',
    'title.changed': '{name}さんがルーム名を「{title}」に変更しました。',
    'suggestions.locked': '{name}さんが候補をロックしました。',
    'suggestions.unlocked': '{name}さんが候補のロックを解除しました。',
    'report.received': '通報を受け付けました。ありがとうございます。',
    'server.shutdown': 'サーバーを再起動します。このルームは閉じられます。1分ほどしてから再度参加してください。',
    'room.closedByModerator': 'モデレーターがこのルームを閉じました。',
    'room.closedNodeLost':
        'このルームは閉じられました。ルームのサーバーが数秒間ほかのサーバーと通信できなくなり、閉じられたためです。別のルームに参加してください。',
}

/** Role names used as the {role} parameter, per locale. */
const roles: Record<string, Record<string, string>> = {
    en: { master: 'room master', lead: 'room lead' },
    ja: { master: 'ルームマスター', lead: 'ルームリード' },
}

export const noticeTables: Record<Locale, NoticeTable> = { en, ja }

/**
 * Renders a notice for a locale ('en' fallback); unknown keys render as the key. Parameters are
 * inserted as given, except {role} ('master' / 'lead', localized) and {more} (a count, rendered as the
 * localized "(+n more)" or nothing when 0).
 */
export function renderNotice(locale: string, key: NoticeKey, params: Record<string, string | number> = {}): string {
    const lang = resolveLocale(locale)
    const template = noticeTables[lang][key] ?? en[key] ?? key
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
        const value = params[name]
        if (value === undefined) return whole
        if (name === 'role' && typeof value === 'string') return roles[lang]![value] ?? value
        if (name === 'more') {
            const count = Number(value)
            return count > 0 ? noticeTables[lang]['round.more'].replace('{count}', String(count)) : ''
        }
        return String(value)
    })
}
