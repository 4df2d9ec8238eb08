// A tiny element builder: text always goes through textContent (no HTML injection from room titles or chat).
type Child = Node | string | null | undefined | false
export function h<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    attrs: Record<string, string | boolean | ((e: Event) => void)> = {},
    ...children: Child[]
): HTMLElementTagNameMap[K] {
    const el = document.createElement(tag)
    for (const [name, value] of Object.entries(attrs)) {
        if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value)
        else if (value === true) el.setAttribute(name, '')
        else if (value !== false) el.setAttribute(name, value)
    }
    for (const child of children) if (child) el.append(child)
    return el
}
export const clear = (el: Element, ...children: Child[]) => {
    el.replaceChildren()
    for (const child of children) if (child) el.append(child)
}
