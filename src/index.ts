export { createClient } from './core/client.js'
export { UserFluxError, type ErrorCode } from './core/errors.js'
export type { CallOptions, ConsentState, FlushResult, JsonValue, Options, Properties, ProxiedOptions, Shape, StorageLike, UserFluxClient } from './types.js'
