// The languages Ensemble writes in (REST and Sonolus texts, system chat lines) and how a requested one is
// chosen. Shared by the text table (i18n.ts) and the engine's notices, so both pick the same language.

export type Locale = 'en' | 'ja'
export const locales: readonly Locale[] = ['en', 'ja']

/** The supported locale for a `localization` value ('ja', 'ja-JP' → 'ja'); anything else → 'en'. */
export function resolveLocale(localization: unknown): Locale {
    if (typeof localization !== 'string') return 'en'
    const base = localization.toLowerCase().split(/[-_]/)[0]!
    return (locales as readonly string[]).includes(base) ? (base as Locale) : 'en'
}
