export { createClient } from './client.js'
export { UserFluxError, type ErrorCode } from './errors.js'
export type { CallOptions, FlushResult, JsonValue, Options, Properties, Shape, StorageLike, UserFluxClient } from './types.js'
