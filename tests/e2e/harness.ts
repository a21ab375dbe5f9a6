/**
 * End-to-end stack: the local Integration API (demo/api) on one 127.0.0.1 port, a site serving test
 * pages and the builds on another (so requests are cross-origin with real CORS preflights), and a
 * real Chromium. Every test file starts its own stack on free ports, so files can run in parallel.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { join, normalize } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
// @ts-expect-error: plain JavaScript (typed with JSDoc), no declaration file
import { createApiServer } from '../../demo/api/server.js'
import { launchChromium } from '../support/chromium.js'

export const WRITE_KEY = 'demo-write-key'
export const READ_WRITE_KEY = 'demo-read-write-key'
const root = new URL('../../', import.meta.url).pathname

export type Build = 'iife' | 'esm'
export const BUILDS: Build[] = ['iife', 'esm']

export interface Fault {
  status?: number
  retryAfter?: string
  delayMs?: number
  drop?: boolean
  times?: number
  body?: unknown
}

export interface SeenPost {
  at: number
  query: Record<string, string>
  headers: Record<string, string>
  body: any
  status: number | 'dropped'
}

export class Api {
  constructor(readonly url: string) {}
  /** The /__test/ routes need the test token: an in-process API publishes its own in UF_TEST_TOKEN. */
  private async call(path: string, body?: unknown) {
    const headers: Record<string, string> = { 'x-uf-test-token': process.env.UF_TEST_TOKEN ?? '' }
    const response = await fetch(this.url + path, body === undefined ? { headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return response.status == 204 ? undefined : response.json()
  }
  faults = (faults: Fault[]) => this.call('/__test/faults', { faults })
  reset = () => this.call('/__test/reset', {})
  requests = (): Promise<{ posts: SeenPost[]; preflights: number; gets: number }> => this.call('/__test/requests')
  /** The bodies of the POSTs the API accepted (2xx), in arrival order. */
  async accepted() {
    return (await this.requests()).posts.filter((post) => typeof post.status == 'number' && post.status >= 200 && post.status < 300).map((post) => post.body)
  }
  async profile(userId: string) {
    const response = await fetch(`${this.url}/profile/${encodeURIComponent(userId)}`, { headers: { authorization: `Bearer ${READ_WRITE_KEY}` } })
    return response.status == 200 ? response.json() : undefined
  }
  /**
   * Waits until the API has seen (whatever it answered) `count` POSTs whose body matches. A POST is
   * logged on arrival, with body null until the body has been read: those are not matched yet.
   */
  async waitForPosts(match: (body: any) => boolean, count = 1, timeout = 15_000) {
    const end = Date.now() + timeout
    while ((await this.requests()).posts.filter((post) => post.body != null && match(post.body)).length < count) {
      if (Date.now() > end) throw new Error('timed out waiting for posts')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  /** Waits until `check` passes on the accepted bodies (polling; generous bound). */
  async waitFor<T>(check: (accepted: any[]) => T | undefined | false, timeout = 15_000): Promise<T> {
    const end = Date.now() + timeout
    for (;;) {
      const accepted = await this.accepted()
      const result = check(accepted)
      if (result) return result
      if (Date.now() > end) throw new Error(`timed out waiting; accepted so far: ${JSON.stringify(accepted)}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

export interface PageOptions {
  build: Build
  /** createClient options (ESM) or data-* attributes (script tag: writeKey, endpoint, locationEnrichment). */
  options?: Record<string, unknown>
  /** Calls made through the loader stub before the script tag's script arrives (script tag only). */
  before?: unknown[][]
  /** Serve the script tag's script this late, so that buffered calls really wait for it. */
  scriptDelay?: number
  /** Omit the data-write-key attribute. */
  noKey?: boolean
  /** Load the script tag twice. */
  twice?: boolean
}

const MIME: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.map': 'application/json' }
const IMPORT_MAP = JSON.stringify({ imports: { 'userflux-snippet': '/dist/index.js', ky: '/vendor/ky/index.js', nanoid: '/vendor/nanoid/index.browser.js' } })
const IMPORT_MAP_HASH = createHash('sha256').update(IMPORT_MAP).digest('base64')

/** Test pages are described in their URL's query, so any tab or reload can open the same page. */
export function pageUrl(site: string, page: PageOptions) {
  return `${site}/page.html?config=${encodeURIComponent(JSON.stringify(page))}`
}

function pageHtml(config: PageOptions, apiUrl: string) {
  const options = { writeKey: WRITE_KEY, endpoint: apiUrl, ...config.options }
  const scripts: string[] = []
  if (config.build == 'iife') {
    scripts.push('<script src="/stub.js"></script>')
    if (config.before) scripts.push(`<script src="/before.js?calls=${encodeURIComponent(JSON.stringify(config.before))}"></script>`)
    const attributes = Object.entries(options)
      .filter(([name]) => !(config.noKey && name == 'writeKey'))
      .map(([name, value]) => ` data-${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}="${value}"`)
      .join('')
    const tag = `<script async src="/userflux.min.js?delay=${config.scriptDelay ?? 0}"${attributes}></script>`
    scripts.push(tag, config.twice ? tag.replace('?delay', '?again=1&delay') : '')
  } else {
    scripts.push(`<script type="importmap">${IMPORT_MAP}</script>`)
    scripts.push(`<script type="module" src="/esm-boot.js?options=${encodeURIComponent(JSON.stringify(options))}"></script>`)
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>test</title>${scripts.join('')}</head><body>test page</body></html>`
}

// The loader stub as built (dist/stub.js, which tests/unit/stub.test.ts holds equal to the README's
// copy), as a file: the harness's CSP forbids inline script.
const STUB = readFileSync(join(root, 'dist/stub.js'), 'utf8')
const ESM_BOOT = `import { createClient } from 'userflux-snippet'
const options = JSON.parse(new URL(import.meta.url).searchParams.get('options'))
window.__ufErrors = []
window.userflux = createClient({ ...options, onError: (error) => window.__ufErrors.push({ code: error.code, message: error.message, status: error.status }) })
`

/** A file a test put on the site with `stack.serve`. */
interface Served {
  body: string | Buffer
  headers: Record<string, string>
}

/**
 * The builds under test: `dist/`, or another release's (`UF_DIST=/path/to/its/dist`, relative to the
 * repository), to show what a test finds in code from before a fix.
 */
const DIST = (process.env.UF_DIST ? normalize(process.env.UF_DIST).replace(/\/?$/, '/') : 'dist/').replace(root, '')

export async function startSite(apiUrl: string, served: Map<string, Served>): Promise<{ server: Server; url: string }> {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url!, 'http://x')
    // A first-party proxy on the site's own origin: /uf/* goes to the API, as a site's server would.
    if (url.pathname.startsWith('/uf/')) {
      let body = ''
      for await (const chunk of request) body += chunk
      const forwarded = await fetch(apiUrl + url.pathname.slice(3) + url.search, {
        method: request.method,
        headers: { authorization: request.headers.authorization ?? '', 'content-type': request.headers['content-type'] ?? '' },
        body: request.method == 'POST' ? body : undefined,
      })
      response.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'text/plain' })
      return response.end(await forwarded.text())
    }
    const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        // No inline script, no eval: the snippet must work under a strict policy.
        'content-security-policy': `default-src 'self'; script-src 'self' 'sha256-${IMPORT_MAP_HASH}'; connect-src 'self' ${apiUrl}`,
        ...headers,
      })
      response.end(body)
    }
    try {
      const own = served.get(url.pathname)
      if (own) return send(200, MIME[url.pathname.slice(url.pathname.lastIndexOf('.'))] || 'text/html', own.body, own.headers)
      if (url.pathname == '/page.html') return send(200, 'text/html', pageHtml(JSON.parse(url.searchParams.get('config')!), apiUrl))
      if (url.pathname == '/stub.js') return send(200, 'text/javascript', STUB)
      if (url.pathname == '/before.js') {
        const calls = JSON.parse(url.searchParams.get('calls')!) as unknown[][]
        return send(200, 'text/javascript', calls.map(([method, ...args]) => `window.userflux.${method}(...${JSON.stringify(args)});`).join('\n'))
      }
      if (url.pathname == '/esm-boot.js') return send(200, 'text/javascript', ESM_BOOT)
      const delay = Number(url.searchParams.get('delay') || 0)
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay))
      const file =
        url.pathname == '/userflux.min.js' ? DIST + 'userflux.min.js'
        : url.pathname.startsWith('/dist/') ? DIST + url.pathname.slice(6)
        : url.pathname.startsWith('/vendor/ky/') ? 'node_modules/ky/distribution/' + url.pathname.slice(11)
        : url.pathname.startsWith('/vendor/nanoid/') ? 'node_modules/nanoid/' + url.pathname.slice(15)
        : undefined
      if (!file || (normalize(file).startsWith('..') && !process.env.UF_DIST)) return send(404, 'text/plain', 'not found')
      send(200, MIME[file.slice(file.lastIndexOf('.'))] || 'application/octet-stream', await readFile(file.startsWith('/') ? file : join(root, file)))
    } catch (error) {
      send(404, 'text/plain', String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

export interface Stack {
  api: Api
  site: string
  browser: Browser
  /** A fresh browser profile (its own localStorage), as a new visitor would have; closed by `cleanUp`. */
  newContext(): Promise<BrowserContext>
  /** Closes the contexts a test opened, so that no page of a failed test goes on sending. */
  cleanUp(): Promise<void>
  open(context: BrowserContext, page: PageOptions): Promise<Page>
  /**
   * Serves `body` at `path` on the site (before any built-in route), typed by its extension as the
   * site's files are (.js, .map), else as HTML, with the site's usual headers; `headers` add to or replace them, e.g. a `content-security-policy`
   * that allows a page's inline scripts by hash.
   */
  serve(path: string, body: string | Buffer, headers?: Record<string, string>): void
  close(): Promise<void>
}

export async function startStack(): Promise<Stack> {
  // The API answers only to its configured hosts (DNS rebinding, demo/hosts.js); tests that map
  // names under .test (reserved, never in public DNS) to 127.0.0.1 may reach it by those too.
  const apiServer = createApiServer({ control: true, allowedHosts: ['.test'] })
  const { url: apiUrl } = await apiServer.listen(0, '127.0.0.1')
  const served = new Map<string, Served>()
  const site = await startSite(apiUrl, served)
  const browser = await launchChromium()
  const contexts = new Set<BrowserContext>()
  return {
    api: new Api(apiUrl),
    site: site.url,
    browser,
    async newContext() {
      const context = await browser.newContext()
      contexts.add(context)
      return context
    },
    async cleanUp() {
      await Promise.all([...contexts].map((context) => context.close().catch(() => {})))
      contexts.clear()
    },
    async open(context, config) {
      const page = await context.newPage()
      await page.goto(pageUrl(site.url, config))
      if (!config.noKey) await ready(page)
      return page
    },
    serve(path, body, headers = {}) {
      served.set(path, { body, headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])) })
    },
    async close() {
      await browser.close()
      site.server.closeAllConnections()
      await new Promise((resolve) => site.server.close(resolve))
      await apiServer.close()
    },
  }
}

/**
 * The stack for one test file: started before its tests, the API's profiles, faults and log reset
 * before each test, the browser contexts a test opened closed after it, everything stopped at the end.
 */
export function useStack(): Stack {
  const stack = {} as Stack
  beforeAll(async () => {
    Object.assign(stack, await startStack())
  })
  afterAll(() => stack.close?.())
  beforeEach(() => stack.api.reset())
  afterEach(() => stack.cleanUp())
  return stack
}

/** Runs `script` in the page with the client as `uf`. */
export function inPage<T>(page: Page, script: string): Promise<T> {
  return page.evaluate(`(async (uf) => { ${script} })(window.userflux)`) as Promise<T>
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Waits until `condition` is truthy in the page, checking every 25 ms; a navigation in between is
 * waited out. Playwright's own `page.waitForFunction` first injects its helper script into the page,
 * which cost 0.15–0.5 s of CPU per page on this 2-core machine, and a run opens some 400 pages: on
 * a CPU-bound suite, that is one to three minutes of CPU.
 */
export async function waitInPage<T>(page: Page, condition: () => T, timeout = 30_000): Promise<T> {
  const end = Date.now() + timeout
  const timedOut = () => new Error(`timed out after ${timeout} ms waiting in the page for ${condition}`)
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined
    // A check that cannot start (no document yet) must not outlast the timeout either.
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(timedOut()), Math.max(0, end - Date.now()))))
    try {
      const value = await Promise.race([page.evaluate(condition), deadline])
      if (value) return value as T
    } catch (error) {
      // The page navigated while the check ran: check the new document.
      if (!/Execution context was destroyed|navigat/i.test(String(error))) throw error
    } finally {
      clearTimeout(timer)
    }
    if (Date.now() > end) throw timedOut()
    await sleep(25)
  }
}

/**
 * Makes `page` note the storage event by which another tab's opt-out reaches it; the returned
 * function waits for it (10 s at most). The snippet's own listener, added at its start, has run by
 * then. The browser passes a tab's storage writes to other tabs asynchronously, later on a loaded
 * machine: a test that acts in the other tab right after the opt-out races that.
 */
export async function watchForOptOut(page: Page): Promise<() => Promise<void>> {
  await page.evaluate(() => {
    ;(window as any).__optOutSeen = new Promise<void>((resolve) =>
      addEventListener('storage', (event) => event.key == 'uf-optOut' && event.newValue == '1' && resolve()),
    )
  })
  return () =>
    page.evaluate(() =>
      Promise.race([(window as any).__optOutSeen, new Promise((_, reject) => setTimeout(() => reject(new Error('no storage event for the opt-out within 10 s')), 10_000))]),
    )
}

/** Waits until the page's client has replaced the loader stub. */
export const ready = (page: Page, timeout?: number) => waitInPage(page, () => window.userflux && !Array.isArray(window.userflux), timeout)

declare global {
  interface Window {
    __ufErrors: { code: string; message: string; status?: number }[]
  }
}
