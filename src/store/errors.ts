// Errors of opening a store, shown to the operator as one line (main.ts exits with the config code).
export class StoreUnavailableError extends Error {
    override name = 'StoreUnavailableError'
}
