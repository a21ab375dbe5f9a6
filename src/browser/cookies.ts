import type { SafeStorage } from './storage.js'

const readCookie = (name: string): string | null => {
  const start = name + '='
  for (const pair of document.cookie.split('; ')) if (pair.startsWith(start)) return decodeURIComponent(pair.slice(start.length))
  return null
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
    if (readCookie('uf-probe')) {
      document.cookie = 'uf-probe=;path=/;max-age=0;domain=' + domain
      return domain
    }
  }
  return ''
}

/**
 * `storage` with the keys in `names` mirrored into first-party cookies on `domain` (`true`: found as
 * above), so sibling subdomains share them. The cookie wins when it and the storage differ, and the
 * storage follows. A removed key leaves an empty cookie rather than none: a missing cookie cannot be
 * told from one never written, and the other subdomain's storage would then publish again the id a
 * `reset()` or an opt-out removed. Keys found only in storage (a site turning this on) are copied out.
 * Without a document (SSR) or with cookies refused (sandboxed frame) it is storage alone.
 */
export function withCookies(storage: SafeStorage, names: string[], domain: string | true, days: number): SafeStorage {
  let attributes: string | undefined
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
  return {
    ...storage,
    _get(key) {
      const stored = storage._get(key)
      let cookie: string | null = null
      try {
        if (names.includes(key)) cookie = readCookie(key)
      } catch {}
      if (cookie == null) return stored && write(key, stored), stored
      if (stored !== (cookie ||= null)) cookie ? storage._set(key, cookie) : storage._remove(key)
      return cookie
    },
    // The cookie first: the storage write tells this page's other clients, who read the cookie back.
    _set(key, value, announce) {
      write(key, value)
      storage._set(key, value, announce)
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
