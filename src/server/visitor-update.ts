/**
 * When the proxy sets the visitor-id cookie: on a 2xx to a body that carries a valid `anonymousId`,
 * if the request had no such cookie, one with another id (the client reset), or one not set today (a day
 * in the future is no more trusted than one in the past).
 * So the cookie follows the client's id, is refreshed at most once a day, and costs no extra request.
 */
import { isVisitorId, setVisitorCookie, today, visitorFrom } from './visitor-cookie.js'

export function visitorCookieFor(request: Request, url: URL, body: Uint8Array, cookie: { name: string; maxAgeDays: number; secure: boolean | 'auto' }): string | null {
  let id: unknown
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body))
    // An own property only: JSON.parse makes no inherited ones, but a polluted prototype could.
    id = parsed && typeof parsed == 'object' && Object.hasOwn(parsed, 'anonymousId') ? parsed.anonymousId : undefined
  } catch {
    return null
  }
  if (!isVisitorId(id)) return null
  const current = visitorFrom(request.headers.get('cookie'), cookie.name)
  if (current && current.id == id && current.day == today()) return null
  // A TLS-terminating proxy in front (nginx, a load balancer) says https in X-Forwarded-Proto.
  const https = url.protocol == 'https:' || request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() == 'https'
  return setVisitorCookie(cookie.name, id, cookie.maxAgeDays, cookie.secure == 'auto' ? https : cookie.secure)
}
