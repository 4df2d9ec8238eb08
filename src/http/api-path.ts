// Whether a request is the REST API's: those answer errors as {"error": ...} (bots match on it), the rest
// of the server in the Sonolus ServerMessage shape {"message": ...}.

/** `url` (path and query) is under `<basePath>/api`. */
export function isApiPath(url: string, basePath: string): boolean {
    const path = url.split('?', 1)[0]!
    const api = `${basePath}/api`
    return path === api || path.startsWith(`${api}/`)
}
