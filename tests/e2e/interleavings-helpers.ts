/**
 * What the issue-12 interleaving tests need beyond the harness: pages whose boot code is a real
 * script (options that JSON cannot carry, two clients, the page's own `pageshow` code), a raw
 * recording HTTP server whose answers a test scripts byte by byte (a body that stalls after the
 * headers), and a slow uplink through Chromium's DevTools throttling.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright'
import { CHROMIUM_ARGS, findChromium } from '../support/chromium.js'
import { ready, WRITE_KEY, type Stack } from './harness.js'

const IMPORT_MAP = JSON.stringify({ imports: { 'userflux-snippet': '/dist/index.js', ky: '/vendor/ky/index.js', nanoid: '/vendor/nanoid/index.browser.js' } })

let served = 0

/**
 * Serves an ESM page whose module runs `boot` with `createClient`, `onError` (collecting into
 * `window.__ufErrors`, as the harness's pages do), `writeKey` and `api` (the local API's URL) in
 * scope; `boot` must set `window.userflux`. Returns the page's path on the site.
 * The page may connect anywhere (the raw servers below) and may enter the back/forward cache.
 */
export function servePage(stack: Stack, boot: string): string {
  const name = `/custom-${++served}`
  const module = `import { createClient } from 'userflux-snippet'
const writeKey = ${JSON.stringify(WRITE_KEY)}
const api = ${JSON.stringify(stack.api.url)}
window.__ufErrors = []
const onError = (error) => window.__ufErrors.push({ code: error.code, message: error.message, status: error.status })
${boot}
`
  const headers = {
    'content-security-policy': `default-src 'self'; script-src 'self' 'unsafe-inline'; connect-src *`,
    // no-store would keep the page out of the back/forward cache.
    'cache-control': 'no-cache',
  }
  stack.serve(name + '.js', module, headers)
  stack.serve(
    name + '.html',
    `<!doctype html><html><head><meta charset="utf-8"><title>test</title><script type="importmap">${IMPORT_MAP}</script><script type="module" src="${name}.js"></script></head><body>test page</body></html>`,
    headers,
  )
  return name + '.html'
}

/** Opens `url` (a path on the site, or a full URL) in a new tab, after `init` (run before any page script). */
export async function openPage(stack: Stack, context: BrowserContext, url: string, init?: () => void): Promise<Page> {
  const page = await context.newPage()
  if (init) await page.addInitScript(init)
  await page.goto(url.startsWith('/') ? stack.site + url : url)
  await ready(page)
  return page
}

/** What a test page logs from its `pageshow` handler when it comes back from the back/forward cache. */
export const RESTORED = 'uf-test: restored from the back/forward cache'

/**
 * Goes back, and waits until the page logs RESTORED. Nothing is evaluated in the page meanwhile:
 * Chromium evicts a cached page in which a script is run (reason JavaScriptExecution), and a check
 * run right after the commit did just that on a loaded machine.
 */
export async function goBackToCachedPage(page: Page, timeout = 10_000) {
  const notCached = await bfcacheReasons(page)
  const restored = page.waitForEvent('console', { predicate: (message) => message.text() == RESTORED, timeout })
  await page.goBack({ waitUntil: 'commit' })
  await restored.catch((error) => {
    throw new Error(`the page was not restored from the back/forward cache: ${notCached()} (${error.message})`)
  })
}

/** Chromium's reasons for not keeping `page` in the back/forward cache, for a failure's message. */
async function bfcacheReasons(page: Page): Promise<() => string> {
  const session = await page.context().newCDPSession(page)
  const reasons: string[] = []
  session.on('Page.backForwardCacheNotUsed', (event) => reasons.push(...event.notRestoredExplanations.map((explanation) => explanation.reason)))
  await session.send('Page.enable')
  return () => reasons.join(', ') || 'Chromium gave no reason'
}

export const errorsOf = (page: Page) => page.evaluate(() => window.__ufErrors)

export interface RawPost {
  at: number
  path: string
  body: any
  bytes: number
}

/**
 * A recording HTTP server on 127.0.0.1 with permissive CORS. `answer` decides each POST after its
 * body was read (it may write the headers and never end). Closes every connection on `close`.
 */
export async function startRawServer(answer: (request: IncomingMessage, response: ServerResponse, post: RawPost) => void) {
  const posts: RawPost[] = []
  const server = createServer(async (request, response) => {
    response.setHeader('access-control-allow-origin', '*')
    if (request.method == 'OPTIONS') {
      response.writeHead(204, { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'authorization, content-type', 'access-control-max-age': '600' })
      return response.end()
    }
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString()
    let body: any = text
    try {
      body = JSON.parse(text)
    } catch {}
    const post = { at: Date.now(), path: new URL(request.url!, 'http://x').pathname, body, bytes: Buffer.byteLength(text) }
    posts.push(post)
    answer(request, response, post)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    /** Waits until a POST matches (generous bound). */
    async waitFor(match: (post: RawPost) => boolean, timeout = 15_000) {
      const end = Date.now() + timeout
      while (!posts.some(match)) {
        if (Date.now() > end) throw new Error(`timed out waiting; posts so far: ${JSON.stringify(posts.map((post) => [post.path, post.body]))}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** Throttles the page's uplink to `bytesPerSecond` (DevTools network emulation). */
export async function slowUplink(context: BrowserContext, page: Page, bytesPerSecond: number) {
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond })
  return cdp
}

/** The last value of `key` among the bodies the API accepted, in arrival order: the server's final value. */
export const lastValue = (accepted: any[], key: string) => accepted.filter((body) => body.properties && key in body.properties).map((body) => body.properties[key]).at(-1)

/** `stack.api.waitFor`, whose failure names what arrived (keys per body) instead of dumping large bodies. */
export async function waitAccepted<T>(stack: Stack, check: (accepted: any[]) => T | undefined | false, timeout = 15_000): Promise<T> {
  try {
    return await stack.api.waitFor(check, timeout)
  } catch {
    const accepted = await stack.api.accepted()
    const summary = accepted.map((body) => `${body.userId ? body.userId + ' ' : ''}${JSON.stringify(body.properties).slice(0, 80)}`)
    throw new Error(`timed out after ${timeout} ms; accepted so far: ${JSON.stringify(summary)}`)
  }
}

/**
 * A Chromium with the back/forward cache on (Playwright turns it off by default). Its contexts are
 * not the stack's: close them in the test. Restores fire no load event: go back with
 * `page.goBack({ waitUntil: 'commit' })`.
 */
export const launchWithBfcache = (): Promise<Browser> =>
  chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true, ignoreDefaultArgs: ['--disable-back-forward-cache'] })
