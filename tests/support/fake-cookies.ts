/**
 * A `document.cookie` for unit tests, for one page's host: like a browser it refuses a cookie for a
 * domain that is a public suffix or not a suffix of the host (or of an IP address, any but itself), treats `max-age=0` as deletion, and
 * keeps cookies of the same name on different domains apart.
 */
export class FakeCookies {
  /** "name domain" → [name, value]; domain '' for host-only. */
  jar = new Map<string, [string, string]>()
  writes: string[] = []

  constructor(
    readonly host: string,
    readonly publicSuffixes = ['uk', 'co.uk', 'com', 'test', 'io', 'github.io'],
  ) {}

  get cookie() {
    return [...this.jar.values()].map(([name, value]) => `${name}=${value}`).join('; ')
  }
  set cookie(text: string) {
    this.writes.push(text)
    const [pair, ...attributes] = text.split(';')
    const at = pair.indexOf('=')
    const [name, value] = [pair.slice(0, at), pair.slice(at + 1)]
    const attribute = (key: string) => attributes.find((a) => a.trim().toLowerCase().startsWith(key + '='))?.split('=')[1]
    const domain = attribute('domain') || ''
    const ip = /^[\d.]+$/.test(this.host)
    if (domain && (this.publicSuffixes.includes(domain) || !('.' + this.host).endsWith('.' + domain) || (ip && domain != this.host))) return
    if (attribute('max-age') == '0') this.jar.delete(name + ' ' + domain)
    else this.jar.set(name + ' ' + domain, [name, value])
  }
  /** The value of a cookie on `domain` ('' for host-only). */
  value(name: string, domain: string) {
    return this.jar.get(name + ' ' + domain)?.[1]
  }
}
