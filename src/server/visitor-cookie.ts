/**
 * The visitor-id cookie set by the site's own server (SPEC §12): `<prefix>-server-anonymousId`, named
 * apart from the client's `cookieDomain` mirror (`<prefix>-anonymousId`), which never writes it.
 * Safari's tracking prevention caps what script writes to 7 days; a cookie from an HTTP `Set-Cookie`
 * of the site's own origin is not capped that way, so a visitor whose storage was purged keeps the id.
 *
 * Value: `<encodeURIComponent(id)>.<day>`, day = whole days since 1970-01-01 UTC when it was set. The
 * day lets the proxy refresh the cookie at most once a day without keeping any state; the id is
 * percent-encoded so that any id the API accepts (spaces, `;`, non-ASCII) is a valid cookie value.
 * The client (src/browser/server-cookie.ts) reads it the same way.
 */
import type { CookieOptions } from './types.js'

const DAY_MS = 86_400_000
// Control characters would not survive a round trip through some cookie stores and logs.
const CONTROL = /[\u0000-\u001f\u007f]/

/** A valid visitor id: a non-empty string (not only spaces) of at most 256 characters, no control characters. */
export function isVisitorId(value: unknown): value is string {
  return typeof value == 'string' && !!value.trim() && value.length <= 256 && !CONTROL.test(value) && wellFormed(value)
}

// A lone surrogate cannot be percent-encoded (encodeURIComponent throws): not an id a cookie can hold.
const wellFormed = (value: string) => {
  try {
    return !!encodeURIComponent(value)
  } catch {
    return false
  }
}

export const cookieName = (storagePrefix = 'uf') => storagePrefix + '-server-anonymousId'

export const today = () => Math.floor(Date.now() / DAY_MS)

/** The cookie's value for `id`, set on `day`. */
export const encodeVisitor = (id: string, day = today()) => `${encodeURIComponent(id)}.${day}`

/** The id and day in a cookie value, or null when it is not one the proxy wrote. */
export function decodeVisitor(value: string): { id: string; day: number } | null {
  const match = /^(.+)\.(\d{1,7})$/.exec(value)
  if (!match) return null
  let id: string
  try {
    id = decodeURIComponent(match[1]!)
  } catch {
    return null
  }
  return isVisitorId(id) ? { id, day: Number(match[2]) } : null
}

/**
 * The values of cookie `name` in a `Cookie` header. Several: another path or a sibling subdomain
 * set one too, which the readers treat as no id at all (the client does the same).
 */
export function cookieValues(header: string | null | undefined, name: string): string[] {
  const values: string[] = []
  for (const pair of (header || '').split(';')) {
    const at = pair.indexOf('=')
    if (at > 0 && pair.slice(0, at).trim() == name) values.push(pair.slice(at + 1).trim())
  }
  return values
}

/** The visitor in the request's cookie (exactly one, valid), else null. */
export function visitorFrom(header: string | null | undefined, name: string) {
  const values = cookieValues(header, name)
  return values.length == 1 ? decodeVisitor(values[0]!) : null
}

/**
 * The visitor's `anonymousId` from the cookie the proxy set, for server rendering: pass it to the
 * client's `anonymousId` option (`data-anonymous-id`) so the first page already has the id. Takes the
 * `Request`, its `Headers`, or the `Cookie` header's text; null when there is no valid one.
 */
export function readAnonymousId(source: Request | Headers | string | null | undefined, options: Pick<CookieOptions, 'storagePrefix'> = {}): string | null {
  const header = typeof source == 'string' || source == null ? source : 'headers' in source ? source.headers.get('cookie') : source.get('cookie')
  return visitorFrom(header, cookieName(options.storagePrefix))?.id ?? null
}

/** The `Set-Cookie` value that stores `id` for `maxAgeDays`. Not HttpOnly: the client reads it. */
export function setVisitorCookie(name: string, id: string, maxAgeDays: number, secure: boolean): string {
  return `${name}=${encodeVisitor(id)}; Max-Age=${Math.round(maxAgeDays * 86_400)}; Path=/; SameSite=Lax${secure ? '; Secure' : ''}`
}
