// Copies the page's static files next to the compiled scripts (dist/web), part of `npm run build`.
import { cpSync, mkdirSync } from 'node:fs'
const from = new URL('.', import.meta.url)
const to = new URL('../dist/web/', import.meta.url)
mkdirSync(new URL('assets/', to), { recursive: true })
cpSync(new URL('index.html', from), new URL('index.html', to))
cpSync(new URL('style.css', from), new URL('assets/style.css', to))
