/**
 * `document.cookie` of one origin, shared by its tabs: a simplified RFC 6265 §5.2-5.3 jar.
 * `name=value` pairs, read back as `a=1; b=2` in the order first set. `max-age<=0` or an `expires`
 * in the past (by the simulated wall clock) deletes. Path, domain, Secure and SameSite are accepted
 * and ignored: every simulated page has the same path and host, so they would not change what is read.
 * Expiry in the future is not tracked (runs last minutes, cookies a year).
 */
export function createCookieJar(clock) {
  const jar = new Map()
  return {
    jar,
    read: () => [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
    write(text) {
      const [pair, ...attributes] = String(text).split(';')
      const at = pair.indexOf('=')
      const name = (at < 0 ? '' : pair.slice(0, at)).trim()
      const value = (at < 0 ? pair : pair.slice(at + 1)).trim()
      let expired = false
      for (const attribute of attributes) {
        const [key, raw = ''] = attribute.split('=')
        const lower = key.trim().toLowerCase()
        if (lower == 'max-age' && Number(raw) <= 0) expired = true
        if (lower == 'expires' && Date.parse(raw) <= clock.wall()) expired = true
      }
      if (expired) jar.delete(name)
      else jar.set(name, value)
    },
  }
}
