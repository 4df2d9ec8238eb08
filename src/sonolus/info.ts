// GET /sonolus/info: title, description, banner, and the buttons Ensemble serves (sign-in and rooms).
// https://wiki.sonolus.com/custom-server-specs/endpoints/get-sonolus-info.
import type { ServerInfo } from '@sonolus/core'
import type { FastifyInstance } from 'fastify'
import { t } from '../i18n.js'
import { bannerSrl } from './banner.js'
import { LocalizedQuery, type SonolusServices } from './context.js'

export function infoRoute(app: FastifyInstance, s: SonolusServices): void {
    app.get('/info', { schema: { querystring: LocalizedQuery }, config: { signIn: 'optional' } }, async (request): Promise<ServerInfo> => {
        const info: ServerInfo = {
            title: s.config.title,
            description: s.config.description ?? t(request.locale, 'serverDescription'),
            buttons: [{ type: 'authentication' }, { type: 'room' }],
            configuration: { options: [] },
        }
        if (s.banner) info.banner = bannerSrl(s.config, s.banner.hash)
        return info
    })
}
