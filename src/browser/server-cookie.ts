import { OPTIONS } from '../core/options.js'
import { readCookies } from './cookies.js'
import type { SafeStorage } from './storage.js'

/**
 * The visitor-id cookie that userflux-snippet/server's proxy sets (SPEC §12):
 * `<prefix>-server-anonymousId=<percent-encoded id>.<day it was set>` (src/server/visitor-cookie.ts).
 * An HTTP `Set-Cookie` from the site's own server escapes Safari's 7-day cap on what script writes,
 * so this page never writes it a value (that value would fall under the cap); it only expires it.
 * Written for size (the script tag's budget is 8 KiB gzip).
 */
const nameOf = (prefix: string) => prefix + '-server-anonymousId'

/**
 * Expires the cookie, on `reset()` and `optOut()`, and when it disagrees with storage: otherwise a
 * later page whose storage was purged would bring the old visitor back. The proxy sets it again
 * with the next update it forwards. Expiring a cookie that is not there stores nothing.
 */
export function expireServerId(prefix: string): void {
  try {
    document.cookie = nameOf(prefix) + '=;path=/;max-age=0'
  } catch {
    // No document (server rendering), or a sandboxed frame's SecurityError.
  }
}

/**
 * The id to start with, like the `anonymousId` option: the cookie's, when storage has none (Safari
 * purged it, or it was cleared) and it is valid as that option is. When storage has another id,
 * storage wins and the cookie goes: after a `reset()`, updates queued under the old id still go
 * out, and the proxy answers them with a cookie of the old id.
 */
export function serverId(storage: SafeStorage, prefix: string): string | undefined {
  try {
    // Two copies (another path, a sibling subdomain's) are tampering, as the server takes them: none is used.
    const found = readCookies(nameOf(prefix))
    const id = found.length == 1 ? found[0]!.replace(/\.\d+$/, '') : undefined
    const stored = storage._get(prefix + '-anonymousId')
    if (!stored) return OPTIONS.anonymousId![1](id) ? id : undefined
    if (id && id != stored) expireServerId(prefix)
  } catch {
    // As above, or bad percent-encoding: no id.
  }
}
