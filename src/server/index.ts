// userflux-snippet/server: the public surface, re-exports only. For servers: package.json points
// browser bundlers at browser.ts instead, which throws.
export { createProxy } from './proxy.js'
export { toNodeHandler, type NodeHandler, type NodeRequest, type NodeResponse } from './node.js'
export { readAnonymousId } from './visitor-cookie.js'
export { getProfile } from './get-profile.js'
export { UserFluxServerError, type ServerErrorCode } from './errors.js'
export type { CookieOptions, GetProfileOptions, Profile, ProxyHandler, ProxyOptions } from './types.js'
