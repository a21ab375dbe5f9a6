/**
 * DNS rebinding defence shared by the local Integration API and the demo site. A page on any site can
 * have its own name re-resolve to 127.0.0.1 and then talk to these servers as "same origin": only the
 * Host header tells such a request apart, so both servers answer only to the names they are meant to be
 * reached by (421 Misdirected Request otherwise), and the demo's switches and the API's test routes
 * compare Origin with those names, never with the Host a request brought.
 */

/** The loopback names a browser on this machine uses; each is allowed with the port the server listens on. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]']

/** `name:port`, `[v6]:port`: an entry that names its own port. */
const WITH_PORT = /^(\[[^\]]*\]|[^:[\]]+):\d+$/

/** A comma-separated list (UF_ALLOWED_HOSTS) as entries; empty items dropped. */
export function parseHostList(text) {
  return String(text ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
}

/**
 * The host check of one server.
 * @param {import('node:http').Server} server its port is read once it listens (port 0 picks one)
 * @param {string[]} [extra] further names, for tests that map names to 127.0.0.1: `shop.test` (with
 *   the server's port), `shop.test:8080` (that port only), or `.test` (the name and every subdomain,
 *   with the server's port), as Vite's `server.allowedHosts` reads a leading dot
 */
export function createHostCheck(server, extra = []) {
  const entries = [...LOOPBACK_HOSTS, ...extra.map((entry) => String(entry).toLowerCase())]
  const port = () => /** @type {import('node:net').AddressInfo | null} */ (server.address())?.port

  /** Whether `host` (a Host header, lower-cased) is one this server answers to. */
  function allowsHost(host) {
    if (typeof host != 'string' || !host) return false
    const own = port()
    // A browser leaves the port out when it is the scheme's default.
    const [, name, given] = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d+))?$/.exec(host.toLowerCase()) ?? []
    if (!name || (given === undefined ? own != 80 : Number(given) != own)) {
      // Not with our port: only an entry that names this exact host:port may still match.
      return entries.some((entry) => WITH_PORT.test(entry) && entry == host.toLowerCase())
    }
    return entries.some((entry) => {
      if (WITH_PORT.test(entry)) return entry == `${name}:${own}`
      if (entry.startsWith('.')) return name == entry.slice(1) || name.endsWith(entry)
      return name == entry
    })
  }

  return {
    allowsHost,
    /** Whether a request's Host (and, for an absolute-form target, its authority) is allowed. */
    allows(request) {
      if (!allowsHost(request.headers.host)) return false
      if (request.url?.startsWith('/')) return true
      try {
        return allowsHost(new URL(request.url).host)
      } catch {
        return false
      }
    },
    /** Whether `origin` (an Origin header) is one of this server's own origins: http:// and an allowed host. */
    isOwnOrigin(origin) {
      const match = /^http:\/\/([^/]+)$/i.exec(origin ?? '')
      return Boolean(match) && allowsHost(match[1])
    },
  }
}

/** The answer to a request for a host this server is not: 421, with a sentence saying what to use. */
export function misdirected(response, host) {
  const body = JSON.stringify({
    error: 'misdirected_request',
    message: `This local server answers only to its configured hosts (localhost, 127.0.0.1, [::1] with its port, and UF_ALLOWED_HOSTS), not ${JSON.stringify(host ?? '')}.`,
  })
  response.writeHead(421, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' })
  response.end(body)
}
