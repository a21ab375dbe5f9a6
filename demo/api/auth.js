/**
 * Bearer-key roles of the Integration API. Both keys may write (the Read + Write key is a superset);
 * only the Read + Write key may read profiles, because the Write Only key is the one shipped to browsers.
 */

/** @typedef {'write' | 'read-write'} Role */

/**
 * @param {string | undefined} header the Authorization header
 * @param {{ writeKey: string, readWriteKey: string }} keys
 * @returns {{ ok: true, role: Role } | { ok: false, status: 401 | 403, error: string, message: string }}
 */
export function authenticate(header, { writeKey, readWriteKey }) {
  const match = /^Bearer +(\S+) *$/i.exec(header || '')
  if (!match) {
    const message = header ? 'The Authorization header must be "Bearer <API key>".' : 'Missing Authorization header: send "Bearer <API key>".'
    return { ok: false, status: 401, error: 'unauthorized', message }
  }
  if (match[1] === readWriteKey) return { ok: true, role: 'read-write' }
  if (match[1] === writeKey) return { ok: true, role: 'write' }
  return { ok: false, status: 403, error: 'forbidden', message: 'Unknown API key.' }
}

/** The WWW-Authenticate header that goes with a 401 (RFC 6750). */
export const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="UserFlux Integration API"' }
