/**
 * Which `Authorization` goes on to the Integration API. The proxy is no open door to the API: with a
 * held Write Only key, that key replaces whatever the client sent; without one, only a client's
 * `Bearer` key that is not the Read + Write key is forwarded (the Read + Write key reads every
 * profile: a page that sends it has leaked it, and the proxy will not make that work).
 */
import { refuse } from './answer.js'

const BEARER = /^Bearer +(\S+) *$/i

export function chooseAuthorization(sent: string | null, writeKey: string | undefined, readWriteKey: string | undefined): string | Response {
  if (writeKey) return 'Bearer ' + writeKey
  const token = BEARER.exec(sent || '')?.[1]
  if (!token) {
    return refuse(401, 'unauthorized', 'This proxy forwards only "Authorization: Bearer <Write Only key>".', {
      'www-authenticate': 'Bearer realm="UserFlux proxy"',
    })
  }
  if (token == readWriteKey) {
    return refuse(403, 'forbidden', 'This proxy never forwards the Read + Write key: a page must use the Write Only key (or none, when the proxy holds it).')
  }
  return 'Bearer ' + token
}
