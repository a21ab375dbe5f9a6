import { UserFluxError } from '../core/errors.js'
import type { SafeStorage } from './storage.js'

/** Every value of the cookie `name` this page sees: a sibling subdomain may have set more than one (another path, another domain). */
export const readCookies = (name: string): string[] => {
  const start = name + '='
  const values: string[] = []
  for (const pair of document.cookie.split('; ')) {
    if (!pair.startsWith(start)) continue
    try {
      values.push(decodeURIComponent(pair.slice(start.length)))
    } catch {
      // Not ours to read (a malformed escape): a copy that says nothing.
      values.push('\u0000')
    }
  }
  return values
}

/**
 * The registrable domain of this page's host ("example.co.uk" for "www.example.co.uk"): the shortest
 * suffix a browser lets a cookie be set on. Browsers refuse public suffixes ("co.uk", "github.io")
 * from their own up-to-date list, which a list of ours would never match. `''` (host-only cookies)
 * for single-label hosts; an IP address ends with itself, which browsers take as host-only too.
 */
export function findCookieDomain(host = location.hostname): string {
  const labels = host.split('.')
  for (let i = 2; i <= labels.length; i++) {
    const domain = labels.slice(-i).join('.')
    document.cookie = 'uf-probe=1;path=/;domain=' + domain
    if (readCookies('uf-probe').length) {
      document.cookie = 'uf-probe=;path=/;max-age=0;domain=' + domain
      return domain
    }
  }
  return ''
}

/**
 * `storage` with the keys in `names` mirrored into first-party cookies on `domain` (`true`: found as
 * above), so sibling subdomains share them. Every subdomain can write those cookies, so none of them
 * is trusted more than the rest (SPEC §14):
 * - `optOutKey` reads as the most restrictive copy: any copy saying opted out ('1') wins, and a cookie
 *   never lifts an opt-out (only this origin's own storage can say '0');
 * - two copies of one name (another path or domain) are tampering: the cookie is ignored, the storage
 *   used, and it is reported once;
 * - otherwise the cookie wins when it and the storage differ, and the storage follows. A removed key
 *   leaves an empty cookie rather than none: a missing cookie cannot be told from one never written,
 *   and the other subdomain's storage would then publish again the id a `reset()` or an opt-out removed.
 * Keys found only in storage (a site turning this on) are copied out. Values are checked by their
 * readers (ids: identity.ts). Without a document (SSR) or with cookies refused it is storage alone.
 */
export function withCookies(
  storage: SafeStorage,
  names: string[],
  optOutKey: string,
  domain: string | true,
  days: number,
  report: (error: UserFluxError) => void,
): SafeStorage {
  let attributes: string | undefined
  const tampered = new Set<string>()
  const copies = (key: string) => {
    try {
      if (names.includes(key)) return readCookies(key)
    } catch {}
    return []
  }
  const write = (key: string, value: string) => {
    try {
      if (names.includes(key))
        document.cookie =
          key +
          '=' +
          encodeURIComponent(value) +
          (attributes ??=
            `;path=/;SameSite=Lax;max-age=${(+days > 0 ? +days : 365) * 86400};domain=` +
            (domain === true ? findCookieDomain() : domain) +
            (location.protocol == 'https:' ? ';Secure' : ''))
    } catch {}
  }
  const tamperedWith = (key: string, found: string[]) => {
    if (found.length < 2) return false
    if (!tampered.has(key)) {
      tampered.add(key)
      report(new UserFluxError('storage', `${found.length} cookies named ${key} (another subdomain or path): ignored, storage used`))
    }
    return true
  }
  return {
    ...storage,
    _get(key) {
      const stored = storage._get(key)
      const found = copies(key)
      if (key == optOutKey) {
        // The most restrictive reading; followed by storage, so the choice holds if the cookie goes.
        if (stored !== '1' && found.includes('1')) {
          storage._set(key, '1')
          return '1'
        }
        // An opt-out made before the site turned cookieDomain on reaches the other subdomains too.
        if (stored == '1' && !found.includes('1')) write(key, '1')
        return stored
      }
      if (!found.length) {
        if (stored) write(key, stored)
        return stored
      }
      if (tamperedWith(key, found)) return stored
      const cookie = found[0] || null
      if (stored !== cookie) cookie ? storage._set(key, cookie) : storage._remove(key)
      return cookie
    },
    // The cookie first: the storage write tells this page's other clients, who read the cookie back.
    _set(key, value, announce, keepOnFailure) {
      write(key, value)
      return storage._set(key, value, announce, keepOnFailure)
    },
    _remove(key, announce) {
      write(key, '')
      storage._remove(key, announce)
    },
  }
}

/** Calls `back` when the page is shown again: another subdomain may have changed the cookies meanwhile. */
export function whenVisible(back: () => void, signal?: AbortSignal): void {
  if (typeof document == 'object') document.addEventListener('visibilitychange', () => document.visibilityState == 'visible' && back(), { signal })
}
