// Every text Ensemble writes, in one table. English is the reference and the fallback; a locale is chosen
// by the `localization` query parameter (specs/custom-server/query-parameters/localization.md).

const en = {
    serverDescription: 'Play together: create a room, invite friends, pick levels from any server.',

    // refusals (ServerMessage)
    badRequest: 'The request is not valid.',
    invalidParameter: 'The value of "{name}" is not valid.',
    malformedJson: 'The request body is not valid JSON.',
    bodyTooLarge: 'The request body is too large.',
    unsupportedMediaType: 'The request body must be JSON (Content-Type: application/json).',
    notFound: 'Not found.',
    internalError: 'Something went wrong on the server. Please try again.',
    signatureMissing: 'Sign-in refused: the request is not signed.',
    signatureInvalid: 'Sign-in refused: the signature does not match.',
    bodyInvalid: 'Sign-in refused: the signed request is not in the expected form.',
    typeInvalid: 'Sign-in refused: the signed request is for another purpose.',
    addressInvalid: 'Sign-in refused: the signed request is for another server.',
    roomInvalid: 'Join refused: the signed request is for another room.',
    timeStale: 'Sign-in refused: the signed request is too old. Check the clock of your device.',
    timeFuture: 'Sign-in refused: the signed request is dated in the future. Check the clock of your device.',
    replayed: 'Sign-in refused: this signed request was already used.',
    serverBanned: 'You are banned from this server.',
    urlInvalid: 'Sign-in refused: the signed request is for another sign-in link.',
    webLoginExpired: 'This sign-in link has expired. Open the web page again for a new one.',
    webLoginDone: 'Signed in. You can go back to the web page.',
    sessionRequired: 'Please sign in first.',
    sessionExpired: 'Your session has expired. Please sign in again.',
    sessionMismatch: 'Your session belongs to another account. Please sign in again.',
    roomNotFound: 'This room does not exist or is closed.',
    roomFull: 'This room is full.',
    roomBanned: 'You cannot join this room for now.',
    roomLocked: 'This room is private. Enter its password in the room search to unlock it.',
    wrongPassword: 'Wrong password.',
    tooManyAttempts: 'Too many wrong passwords. Please wait a few minutes and try again.',
    passwordCheckPending: 'Your previous password is still being checked. Please wait for its answer.',
    passwordChecksBusy: 'The server is busy checking passwords. Please try again in a moment.',
    privateSearchIncomplete: 'Enter both the room and its password.',
    tooManyRooms: 'You are creating rooms too fast. Please wait a minute.',
    roomLimitReached: 'You already have {max} open rooms. Leave one empty until it closes, then create another.',
    serverFull: 'The server has too many open rooms right now. Please try again later.',
    tooManyConnections: 'Too many connections from your network. Please close some and try again.',

    // rooms: sections, items, forms
    roomsTitle: 'Rooms',
    sectionOpenRooms: 'Open rooms',
    sectionYourRooms: 'Your rooms',
    sectionPlaying: 'Playing now',
    defaultRoomTitle: "{name}'s room",
    statusSelecting: 'Selecting a level',
    statusPreparing: 'Getting ready',
    statusPlaying: 'Playing',
    players: '{count}/{max} players',
    tagPrivate: 'Private',
    tagFull: 'Full',
    tagTeams: '{count} teams',
    createForm: 'Create a room',
    optionTitle: 'Title',
    optionTitlePlaceholder: 'Room title',
    optionPassword: 'Password',
    optionPasswordPlaceholder: 'Leave empty for a public room',
    optionPasswordDescription: 'A private room is hidden from the room list; players join it by typing its name or title and this password in the room search.',
    optionMaxPlayers: 'Max players',
    optionScoring: 'Scoring',
    scoringArcadeScore: 'Arcade score',
    scoringAccuracyScore: 'Accuracy',
    scoringWins: 'Wins',
    optionTeams: 'Teams',
    teamsNone: 'No teams',
    teamsCount: '{count} teams',
    optionAllowOtherServers: 'Allow levels from other servers',
    searchAdvanced: 'Search rooms',
    optionKeywords: 'Keywords',
    optionKeywordsPlaceholder: 'Title, room name or creator',
    optionStatus: 'Status',
    statusAny: 'Any',
    optionFreeSeats: 'Has a free seat',
    optionLevel: 'Level',
    optionLevelPlaceholder: 'Name of the level being played',
    searchPrivate: 'Join a private room',
    searchPrivateDescription: 'Type the room name (or its exact title) and its password.',
    optionRoom: 'Room',
    optionRoomPlaceholder: 'Room name or exact title',
} as const

export type MessageKey = keyof typeof en
type Table = Record<MessageKey, string>

const ja: Table = {
    serverDescription: 'みんなで遊ぼう：ルームを作って友だちを招待し、どのサーバーのレベルでも選べます。',

    badRequest: 'リクエストが正しくありません。',
    invalidParameter: '「{name}」の値が正しくありません。',
    malformedJson: 'リクエスト本文が正しいJSONではありません。',
    bodyTooLarge: 'リクエスト本文が大きすぎます。',
    unsupportedMediaType: 'リクエスト本文はJSON（Content-Type: application/json）でなければなりません。',
    notFound: '見つかりません。',
    internalError: 'サーバーで問題が発生しました。もう一度お試しください。',
    signatureMissing: 'サインインできません：リクエストに署名がありません。',
    signatureInvalid: 'サインインできません：署名が一致しません。',
    bodyInvalid: 'サインインできません：署名されたリクエストの形式が正しくありません。',
    typeInvalid: 'サインインできません：署名されたリクエストの用途が違います。',
    addressInvalid: 'サインインできません：署名されたリクエストは別のサーバー向けです。',
    roomInvalid: '参加できません：署名されたリクエストは別のルーム向けです。',
    timeStale: 'サインインできません：署名されたリクエストが古すぎます。端末の時計を確認してください。',
    timeFuture: 'サインインできません：署名されたリクエストの時刻が未来です。端末の時計を確認してください。',
    replayed: 'サインインできません：この署名されたリクエストはすでに使われています。',
    serverBanned: 'このサーバーの利用を禁止されています。',
    urlInvalid: 'サインインできません：この署名されたリクエストは別のサインインリンク用です。',
    webLoginExpired: 'このサインインリンクは期限切れです。ウェブページを開き直して新しいリンクを取得してください。',
    webLoginDone: 'サインインしました。ウェブページに戻ってください。',
    sessionRequired: '先にサインインしてください。',
    sessionExpired: 'セッションの有効期限が切れました。もう一度サインインしてください。',
    sessionMismatch: 'セッションが別のアカウントのものです。もう一度サインインしてください。',
    roomNotFound: 'このルームは存在しないか、閉じられています。',
    roomFull: 'このルームは満員です。',
    roomBanned: '現在このルームには参加できません。',
    roomLocked: 'このルームは非公開です。ルーム検索でパスワードを入力して解除してください。',
    wrongPassword: 'パスワードが違います。',
    tooManyAttempts: 'パスワードの誤りが多すぎます。数分待ってからもう一度お試しください。',
    passwordCheckPending: '前のパスワードを確認中です。結果が出るまでお待ちください。',
    passwordChecksBusy: 'サーバーはパスワードの確認で混み合っています。少し待ってからもう一度お試しください。',
    privateSearchIncomplete: 'ルームとパスワードの両方を入力してください。',
    tooManyRooms: 'ルームの作成が速すぎます。1分ほど待ってください。',
    roomLimitReached: '開いているルームがすでに{max}個あります。どれかを空にして閉じてから、新しく作成してください。',
    serverFull: '現在サーバーで開いているルームが多すぎます。しばらくしてからもう一度お試しください。',
    tooManyConnections: 'お使いのネットワークからの接続が多すぎます。いくつか閉じてからもう一度お試しください。',

    roomsTitle: 'ルーム',
    sectionOpenRooms: '参加できるルーム',
    sectionYourRooms: 'あなたのルーム',
    sectionPlaying: 'プレイ中',
    defaultRoomTitle: '{name}のルーム',
    statusSelecting: 'レベル選択中',
    statusPreparing: '準備中',
    statusPlaying: 'プレイ中',
    players: '{count}/{max}人',
    tagPrivate: '非公開',
    tagFull: '満員',
    tagTeams: '{count}チーム',
    createForm: 'ルームを作成',
    optionTitle: 'タイトル',
    optionTitlePlaceholder: 'ルームのタイトル',
    optionPassword: 'パスワード',
    optionPasswordPlaceholder: '空欄なら公開ルーム',
    optionPasswordDescription:
        '非公開ルームはルーム一覧に表示されません。ルーム検索でルーム名（またはタイトル）とこのパスワードを入力すると参加できます。',
    optionMaxPlayers: '最大人数',
    optionScoring: 'スコア方式',
    scoringArcadeScore: 'アーケードスコア',
    scoringAccuracyScore: '精度',
    scoringWins: '勝利数',
    optionTeams: 'チーム',
    teamsNone: 'チームなし',
    teamsCount: '{count}チーム',
    optionAllowOtherServers: '他のサーバーのレベルを許可',
    searchAdvanced: 'ルームを検索',
    optionKeywords: 'キーワード',
    optionKeywordsPlaceholder: 'タイトル、ルーム名、作成者',
    optionStatus: '状態',
    statusAny: 'すべて',
    optionFreeSeats: '空きがある',
    optionLevel: 'レベル',
    optionLevelPlaceholder: 'プレイ中のレベル名',
    searchPrivate: '非公開ルームに参加',
    searchPrivateDescription: 'ルーム名（または正確なタイトル）とパスワードを入力してください。',
    optionRoom: 'ルーム',
    optionRoomPlaceholder: 'ルーム名または正確なタイトル',
}

const tables: Record<string, Table> = { en, ja }

export type Locale = 'en' | 'ja'
export const locales: readonly Locale[] = ['en', 'ja']

/** The supported locale for a `localization` value ('ja', 'ja-JP' → 'ja'); anything else → 'en'. */
export function resolveLocale(localization: unknown): Locale {
    if (typeof localization !== 'string') return 'en'
    const base = localization.toLowerCase().split(/[-_]/)[0]!
    return base in tables ? (base as Locale) : 'en'
}

/** The text for `key` in `locale` with {placeholders} filled. */
export function t(locale: string, key: MessageKey, params?: Record<string, string | number>): string {
    const text = (tables[locale] ?? en)[key] ?? en[key]
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text
}

/** A translator bound to one locale. */
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string
export const translator =
    (locale: string): Translate =>
    (key, params) =>
        t(locale, key, params)
