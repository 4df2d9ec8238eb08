// Where the official @sonolus/core types are looser than the spec texts (../shared/specs), the generated
// schemas are tightened here. Every entry names the definition, a JSON pointer inside it, the keywords it
// sets and the sentence of the spec it comes from; the generator fails the build if a pointer no longer
// exists (the official types moved and this overlay must be read again).

const index = { type: 'integer', minimum: 0 }
const indexRule =
    (why) =>
    (definition, ...fields) =>
        fields.map((field) => ({ definition, path: `/properties/${field}`, set: index, why }))
const sectionIndex = indexRule('addresses a scoreboard section: "Raise a fatal error if section specified by ... does not exist"')
const scoreIndex = indexRule('addresses a score or a slot of a section: "does not exist" / "is out of bound"')

/** Standard base64 (what RoomUser's fields hold), not empty. */
const base64 = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$'

/** @type {{ definition: string, path: string, set: Record<string, unknown>, why: string }[]} */
export const overlay = [
    // Events: numbers that are array positions are whole and not negative.
    ...sectionIndex('ArrangeScoreboardSectionScoresEvent', 'sectionIndex'),
    {
        definition: 'ArrangeScoreboardSectionScoresEvent',
        path: '/properties/indexes/items',
        set: index,
        why: 'arrange-scoreboard-section-scores-event.md: "any score specified by indexes does not exist"',
    },
    {
        definition: 'ArrangeScoreboardSectionScoresEvent',
        path: '/properties/indexes',
        set: { uniqueItems: true },
        why: 'arrange-scoreboard-section-scores-event.md: "Raise a fatal error if indexes contains duplications"',
    },
    ...sectionIndex('InsertScoreboardSectionEvent', 'index'),
    ...sectionIndex('InsertScoreboardSectionScoreEvent', 'sectionIndex'),
    ...scoreIndex('InsertScoreboardSectionScoreEvent', 'index'),
    ...sectionIndex('MergeScoreboardSectionScoresEvent', 'index'),
    ...sectionIndex('MoveScoreboardSectionEvent', 'fromIndex', 'toIndex'),
    ...sectionIndex('MoveScoreboardSectionScoreEvent', 'sectionIndex'),
    ...scoreIndex('MoveScoreboardSectionScoreEvent', 'fromIndex', 'toIndex'),
    ...sectionIndex('RemoveScoreboardSectionEvent', 'index'),
    ...sectionIndex('RemoveScoreboardSectionScoreEvent', 'sectionIndex'),
    ...scoreIndex('RemoveScoreboardSectionScoreEvent', 'index'),
    ...sectionIndex('SwapScoreboardSectionScoresEvent', 'sectionIndex'),
    ...scoreIndex('SwapScoreboardSectionScoresEvent', 'indexA', 'indexB'),
    ...sectionIndex('SwapScoreboardSectionsEvent', 'indexA', 'indexB'),
    ...sectionIndex('UpdateScoreboardSectionEvent', 'index'),
    ...sectionIndex('UpdateScoreboardSectionIconEvent', 'index'),
    ...sectionIndex('UpdateScoreboardSectionScoresEvent', 'index'),
    ...sectionIndex('UpdateScoreboardSectionScoresValueEvent', 'index'),
    ...sectionIndex('UpdateScoreboardSectionTitleEvent', 'index'),
    {
        definition: 'LevelOptionEntry',
        path: '/properties/index',
        set: index,
        why: 'level-option-entry.md: "Index of option in engine configuration"',
    },

    {
        definition: 'StartRoundEvent',
        path: '/properties/seed',
        set: { minimum: 0, maximum: 1 },
        why: 'start-round-event.md: seed is a "Random value between 0 and 1"',
    },

    // UpdateEvent: what the app checks on the event alone.
    {
        definition: 'UpdateEvent',
        path: '/properties/options',
        set: { minItems: 1 },
        why: 'update-event.md: "Raise a fatal error if options is empty"',
    },
    {
        definition: 'UpdateEvent',
        path: '/properties/users',
        set: { uniqueItems: true },
        why: 'update-event.md / state/users.md: "users contains duplications" is fatal',
    },
    {
        definition: 'UpdateEvent',
        path: '/properties/suggestions',
        set: { uniqueItems: true },
        why: 'update-event.md / state/suggestions.md: "suggestions contains duplications" is fatal',
    },
    {
        definition: 'UpdateEvent',
        path: '/properties/levelOptions',
        set: { uniqueItems: true },
        why: 'update-event.md: "levelOptions contains duplications" is fatal',
    },
    {
        definition: 'UpdateEvent',
        path: '',
        set: { if: { properties: { status: { const: 'selecting' } } }, else: { properties: { level: { $ref: '#/definitions/Sil' } } } },
        why: 'update-event.md: "Raise a fatal error if status is not selecting but level is null"',
    },
    {
        definition: 'UpdateUsersEvent',
        path: '/properties/users',
        set: { uniqueItems: true },
        why: 'state/users.md: users "Contains duplications" is fatal',
    },
    {
        definition: 'UpdateSuggestionsEvent',
        path: '/properties/suggestions',
        set: { uniqueItems: true },
        why: 'state/suggestions.md: suggestions "Contains duplications" is fatal',
    },

    {
        definition: 'RoomUser',
        path: '/properties/authentication',
        set: { pattern: base64 },
        why: 'room-user.md: "Base64 encoded body of JoinRoomRequest"',
    },
    {
        definition: 'RoomUser',
        path: '/properties/signature',
        set: { pattern: base64 },
        why: 'room-user.md: the Sonolus-Signature header, base64 (headers/sonolus-signature.md)',
    },

    // HTTP answers.
    {
        definition: 'ServerAuthenticateResponse',
        path: '/properties/expiration',
        set: { type: 'integer', minimum: 0 },
        why: 'post-sonolus-authenticate.md: "Session expiration time, in Unix timestamp in milliseconds"',
    },
    {
        definition: 'ServerJoinRoomResponse',
        path: '/properties/url',
        set: { pattern: '^wss?://[^\\s/?#]+' },
        why: 'post-sonolus-rooms-item-name.md: "Url of multiplayer server" (a WebSocket server, "wss://...")',
    },
    {
        definition: 'ServerItemList<RoomItem>',
        path: '/properties/pageCount',
        set: { type: 'integer' },
        why: 'get-sonolus-type-list.md: a count of pages (negative: cursor pagination)',
    },
    {
        definition: 'Srl',
        path: '/properties/hash',
        set: { pattern: '^[0-9a-fA-F]{40}$' },
        why: 'srl.md: "Optional SHA-1 hash of the resource" (the pattern applies to strings; null stays allowed)',
    },
]
