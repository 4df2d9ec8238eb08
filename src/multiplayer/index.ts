// The pure room engine of Ensemble: state, reducer, commands, lifecycle, scoreboard, notices.
export { FatalEventError } from './errors.js'
export { roomUserInfo, userIdOf, encodeAuthentication, sameRoomUser, type RoomUserInfo } from './room-user.js'
export {
    createRoom,
    snapshot,
    defaultLimits,
    longestPresent,
    type RoomView,
    type EngineRoom,
    type RoomInit,
    type EngineLimits,
    type Member,
    type PlayerStats,
    type Round,
} from './state.js'
export {
    defaultRoomOptions,
    defaultReportUserOptions,
    parseOptionValues,
    isValidOptionValues,
    canonicalOptionValues,
    serializeOptionValues,
    roomSettings,
    type OptionValue,
    type ParsedOptionValues,
    type RoomSettings,
    type ScoringRule,
    scoringRules,
    defaultScoring,
    teamChoices,
} from './options.js'
export { applyEvent, reducers, isCompatible, sameSil, sameSuggestion, type ApplyContext } from './reducer.js'
export { ClientModel, type ClientPhase, type ClientModelOptions } from './client-model.js'
export { handleCommand, handlers, commandTypes } from './commands/index.js'
export { joinUser, rejoinUser, leaveUser, requestResync, tick, type JoinInput, type LeaveReason } from './lifecycle.js'
export { renderNotice, noticeTables, type NoticeKey } from './notices.js'
export type { Audience, Delivery, Notice, Effect, EngineOutput, EngineContext } from './output.js'
export { postChatMessage, type ChatAuthor } from './external.js'
export {
    asObject,
    asString,
    asUserId,
    asSil,
    asSuggestion,
    asAutoExit,
    asRoomStatus,
    roomStatuses,
    asUserStatus,
    asLevelOption,
    asGameplayResult,
    asChatMessage,
} from './validate.js'
