export { createClient } from './core/registry.js'
export { UserFluxError, type ErrorCode } from './core/errors.js'
export type { CallOptions, ConsentState, FlushResult, IdentityState, JsonValue, Options, Properties, ProxiedOptions, Shape, StorageLike, UserFluxClient } from './types.js'
