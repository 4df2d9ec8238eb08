// The optional server banner (ENSEMBLE_BANNER_FILE): read once at start, served by hash so clients cache it.
import type { Srl } from '@sonolus/core'
import type { FastifyInstance } from 'fastify'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import type { Config } from '../config.js'
import { publicUrl } from '../urls.js'
import type { SonolusServices } from './context.js'

const types: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' }

export async function loadBanner(config: Config): Promise<SonolusServices['banner']> {
    if (!config.bannerFile) return null
    let file: Buffer
    try {
        file = await readFile(config.bannerFile)
    } catch (e) {
        throw new Error(`ENSEMBLE_BANNER_FILE: cannot read ${config.bannerFile} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e })
    }
    const hash = createHash('sha1').update(file).digest('hex')
    return { hash, file, contentType: types[extname(config.bannerFile).toLowerCase()] ?? 'application/octet-stream' }
}

/** The banner's Srl; its URL is absolute, from the public address. */
export const bannerSrl = (config: Pick<Config, 'address'>, hash: string): Srl => ({
    hash,
    url: publicUrl(config, `/sonolus/repository/banner/${hash}`),
})

export function bannerRoute(app: FastifyInstance, s: SonolusServices): void {
    const banner = s.banner
    if (!banner) return
    app.get('/repository/banner/:hash', async (request, reply) => {
        if ((request.params as { hash: string }).hash !== banner.hash) return reply.callNotFound()
        return reply.header('cache-control', 'public, max-age=31536000, immutable').type(banner.contentType).send(banner.file)
    })
}
