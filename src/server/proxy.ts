/**
 * The first-party proxy (SPEC §12): one Fetch API handler for Next.js route handlers, edge runtimes
 * and `node:http` (through toNodeHandler). It forwards `POST <path>/profile?locationEnrichment=…` to
 * the Integration API and nothing else, and sets the visitor-id cookie on the answers it gives.
 */
import { cleanAddress } from './address.js'
import { ALLOW, NO_STORE, refuse } from './answer.js'
import { chooseAuthorization } from './authorization.js'
import { readCapped } from './body.js'
import { normalizeProxyOptions } from './proxy-options.js'
import type { ProxyHandler, ProxyOptions } from './types.js'
import { visitorCookieFor } from './visitor-update.js'

/**
 * Request headers the API reads besides the key and the body: the user agent (deviceData for a profile
 * that never got any), the languages and the country a CDN in front of the site sets (locationData).
 */
const PASSED_ON = ['content-type', 'user-agent', 'accept-language', 'cf-ipcountry', 'x-vercel-ip-country', 'x-vercel-ip-country-region', 'x-vercel-ip-city', 'cloudfront-viewer-country']

/**
 * Creates the proxy handler: `export const POST = createProxy({ writeKey: process.env.UF_WRITE_KEY })`
 * in a Next.js route handler, `http.createServer(toNodeHandler(createProxy(…)))` in Node.
 * Throws a TypeError when an option has a wrong type (a programming mistake, said by name).
 */
export function createProxy(options?: ProxyOptions): ProxyHandler {
  const config = normalizeProxyOptions(options)
  const keys = [config.writeKey, config.readWriteKey].filter((key): key is string => !!key)
  let warned = false

  async function handle(request: Request): Promise<Response> {
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return refuse(400, 'bad_request', 'Malformed request URL.')
    }
    if (url.pathname != config.route) return refuse(404, 'not_found', `No route for ${request.method} ${url.pathname}: this proxy answers only POST ${config.route}.`)
    // Same-origin requests need no preflight; an OPTIONS still learns what is allowed (no CORS headers:
    // the proxy is for the site's own pages).
    if (request.method == 'OPTIONS') return new Response(null, { status: 204, headers: { ...NO_STORE, allow: ALLOW } })
    if (request.method != 'POST') return refuse(405, 'method_not_allowed', `${request.method} is not allowed on ${config.route}; use POST.`, { allow: ALLOW })
    if (!keys.length) {
      const message = 'createProxy has neither options.writeKey (the key it holds) nor options.readWriteKey (the key it must refuse): it forwards nothing. Is the environment variable set?'
      if (!warned) (warned = true), console.error('userflux-snippet/server: ' + message)
      return refuse(500, 'misconfigured', message)
    }
    const authorization = chooseAuthorization(request.headers.get('authorization'), config.writeKey, config.readWriteKey)
    if (typeof authorization != 'string') return authorization
    // A client that goes away mid-upload is no failure of the proxy's (nothing logged).
    const body = await readCapped(request, config.maxBodyBytes).catch(() => undefined)
    if (body === undefined) return refuse(400, 'bad_request', 'The body could not be read.')
    // Connection: close, so that Node does not read the rest of an oversized upload to reuse the socket.
    if (!body) return refuse(413, 'payload_too_large', `The body exceeds ${config.maxBodyBytes} bytes.`, { connection: 'close' })

    const headers = new Headers({ authorization })
    for (const name of PASSED_ON) {
      const value = request.headers.get(name)
      if (value != null) headers.set(name, value)
    }
    // Only this one address: the API reads the first entry, which a client could otherwise choose.
    const address = cleanAddress(config.clientAddress(request))
    if (address) headers.set('x-forwarded-for', address)
    // Only the query parameter the API has; any other is not ours to pass on.
    const enrichment = url.searchParams.get('locationEnrichment')
    const target = config.endpoint + '/profile' + (enrichment == null ? '' : '?locationEnrichment=' + encodeURIComponent(enrichment))

    let status: number
    let text: string
    let upstream: Headers
    try {
      // One bound over the answer and its body: a stalled API must not hold the visitor's request.
      const signal = AbortSignal.timeout(config.timeout)
      const response = await config.fetch(target, { method: 'POST', headers, body, signal, redirect: 'manual' })
      status = response.status
      upstream = response.headers
      text = await response.text()
    } catch (error) {
      const timedOut = (error as Error)?.name == 'TimeoutError'
      // 502/504 are retried by the client, as it would retry the API itself.
      return timedOut
        ? refuse(504, 'gateway_timeout', `The Integration API did not answer within ${config.timeout} ms.`)
        : refuse(502, 'bad_gateway', 'The Integration API could not be reached.')
    }
    // The API's answer as the client expects it: status, error body (what a developer reads), Retry-After.
    // No other header of the API's goes back, and no key appears in what does.
    for (const key of keys) text = text.split(key).join('[redacted]')
    const answer = new Headers(NO_STORE)
    for (const name of ['content-type', 'retry-after']) {
      const value = upstream.get(name)
      if (value != null) answer.set(name, value)
    }
    // The API never redirects: a 3xx (not followed: redirect 'manual') is no answer the client knows.
    if (status >= 300 && status < 400) return refuse(502, 'bad_gateway', `The Integration API answered ${status}.`)
    if (status >= 200 && status < 300 && config.cookie) {
      const cookie = visitorCookieFor(request, url, body, config.cookie)
      if (cookie) answer.append('set-cookie', cookie)
    }
    // 204 and 205 cannot carry a body.
    return new Response([204, 205].includes(status) ? null : text, { status, headers: answer })
  }

  return async (request) => {
    try {
      return await handle(request)
    } catch (error) {
      console.error('userflux-snippet/server: the proxy failed', error)
      return refuse(500, 'internal_error', 'The proxy failed to handle the request.')
    }
  }
}
