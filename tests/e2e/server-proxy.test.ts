/**
 * userflux-snippet/server end to end (SPEC §12): a small node:http site mounting the proxy at /uf
 * (toNodeHandler, as the README's recipe) and serving a page whose script tag has no write key
 * (`data-endpoint="/uf"`: the proxy holds it), against the local Integration API, in Chromium. With
 * localStorage cleared the visitor keeps its anonymousId through the server's cookie, and no script
 * ever writes that cookie a value (a spy on Document.prototype's cookie setter, installed before
 * any script of the page). The script tag build, and the ESM build as an app imports it.
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, normalize } from 'node:path'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
// @ts-expect-error: plain JavaScript (typed with JSDoc), no declaration file
import { createApiServer } from '../../demo/api/server.js'
import { createProxy, readAnonymousId, toNodeHandler } from 'userflux-snippet/server'
import { launchChromium } from '../support/chromium.js'
import { Api, WRITE_KEY } from './harness.js'

const root = new URL('../../', import.meta.url).pathname
const SCRIPT = readFileSync(join(root, 'dist/userflux.min.js'), 'utf8')
const IMPORT_MAP = JSON.stringify({ imports: { 'userflux-snippet': '/dist/index.js', ky: '/vendor/ky/distribution/index.js', nanoid: '/vendor/nanoid/index.browser.js' } })
const COOKIE = 'uf-server-anonymousId'

// Before any script of the page: every write to document.cookie is recorded, then done.
const SPY = `(() => {
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')
  window.__cookieWrites = []
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    get() { return cookie.get.call(this) },
    set(value) { window.__cookieWrites.push(String(value)); cookie.set.call(this, value) },
  })
})()`

let api: { listen(port: number, host: string): Promise<{ url: string }>; close(): Promise<void> }
let apiClient: Api
let site: Server
let siteUrl: string
let browser: Browser

beforeAll(async () => {
  // The API publishes its test token in UF_TEST_TOKEN, where the harness's Api reads it.
  api = createApiServer({ control: true, log: () => {} })
  const { url } = await api.listen(0, '127.0.0.1')
  apiClient = new Api(url)
  const proxied = toNodeHandler(createProxy({ endpoint: url, writeKey: WRITE_KEY }))
  // The same proxy without the cookie: a site that has a proxy but no visitor-id cookie.
  const plain = toNodeHandler(createProxy({ endpoint: url, writeKey: WRITE_KEY, path: '/plain', cookie: false }))
  site = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname
    if (path.startsWith('/uf/')) return proxied(req, res)
    if (path.startsWith('/plain/')) return plain(req, res)
    if (path == '/userflux.min.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(SCRIPT)
    // The ESM build and its two dependencies, for /esm.html (an app's bundle, unbundled).
    const file = path.startsWith('/dist/') ? path.slice(1) : path.startsWith('/vendor/') ? 'node_modules/' + path.slice(8) : undefined
    if (file) {
      if (normalize(file).startsWith('..') || !file.endsWith('.js')) return res.writeHead(404).end()
      return readFile(join(root, file)).then(
        (code) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(code),
        () => res.writeHead(404).end(),
      )
    }
    if (path == '/esm.html') {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' })
      return res.end(`<!doctype html><meta charset="utf-8"><title>app</title><script type="importmap">${IMPORT_MAP}</script>
<script type="module">import { createClient } from 'userflux-snippet'; window.userflux = createClient({ endpoint: '/uf' })</script>`)
    }
    const endpoint = path == '/plain.html' ? '/plain' : '/uf'
    // /ssr.html: server rendering hands the cookie's id to the page (the README's readAnonymousId recipe).
    const id = path == '/ssr.html' ? readAnonymousId(req.headers.cookie) : null
    const bootstrap = id ? ` data-anonymous-id="${id.replace(/[&"<]/g, (c) => `&#${c.charCodeAt(0)};`)}"` : ''
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' })
    res.end(`<!doctype html><meta charset="utf-8"><title>site</title><script async src="/userflux.min.js" data-endpoint="${endpoint}"${bootstrap}></script>`)
  })
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => site?.close(resolve))
  await api?.close()
})
beforeEach(() => apiClient.reset())

async function open(path = '/'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext()
  await context.addInitScript(SPY)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => message.type() == 'error' && errors.push(message.text()))
  ;(page as Page & { errors: string[] }).errors = errors
  await page.goto(siteUrl + path)
  await ready(page)
  return { context, page }
}
const ready = (page: Page) => page.waitForFunction(() => typeof (window as any).userflux?.flush == 'function')
const anonymousId = (page: Page) => page.evaluate(() => (window as any).userflux.anonymousId as string)
const update = (page: Page, properties: object) =>
  page.evaluate(async (properties) => {
    const uf = (window as any).userflux
    uf.updateProfile(properties)
    return uf.flush()
  }, properties)
const reload = async (page: Page) => (await page.reload(), await ready(page))
const writes = (page: Page) => page.evaluate(() => (window as any).__cookieWrites as string[])
const serverCookie = async (context: BrowserContext) => (await context.cookies()).find((cookie) => cookie.name == COOKIE)

describe('the proxy holds the key; the server\'s cookie keeps the visitor', () => {
  it('after one update, localStorage.clear() and a reload keep the same anonymousId; no script writes the cookie', async () => {
    const { context, page } = await open()
    const id = await anonymousId(page)
    expect(await update(page, { plan: 'pro' })).toEqual({ ok: true })

    // What arrived: the proxy's key (the page has none), the page's id.
    const [post] = (await apiClient.requests()).posts
    expect(post!.headers.authorization).toBe(`Bearer ${WRITE_KEY}`)
    expect(post!.body).toMatchObject({ anonymousId: id, properties: { plan: 'pro' } })

    // The cookie, as the browser keeps it: about 400 days, Lax, Path=/, readable by script.
    const cookie = await serverCookie(context)
    expect(cookie).toMatchObject({ value: expect.stringMatching(new RegExp(`^${id}\\.\\d+$`)), path: '/', sameSite: 'Lax', httpOnly: false, secure: false })
    const days = (cookie!.expires * 1000 - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(399)
    expect(days).toBeLessThanOrEqual(400)

    await page.evaluate(() => localStorage.clear())
    await reload(page)
    expect(await anonymousId(page)).toBe(id)
    expect(await page.evaluate(() => localStorage.getItem('uf-anonymousId'))).toBe(id)
    // And it keeps sending under that id.
    expect(await update(page, { seen: 2 })).toEqual({ ok: true })
    expect((await apiClient.accepted()).map((body) => body.anonymousId)).toEqual([id, id])

    expect((await writes(page)).filter((write) => write.startsWith(COOKIE))).toEqual([])
    expect((page as Page & { errors: string[] }).errors).toEqual([])
    await context.close()
  })

  it('reset(): the cookie is only expired by script, and a cleared storage then gives a new visitor, whom the next update\'s cookie follows', async () => {
    const { context, page } = await open()
    const first = await anonymousId(page)
    await update(page, { plan: 'pro' })
    expect((await serverCookie(context))?.value).toMatch(new RegExp(`^${first}\\.`))

    await page.evaluate(() => (window as any).userflux.reset())
    const second = await anonymousId(page)
    expect(second).not.toBe(first)
    expect(await serverCookie(context)).toBeUndefined()
    // The one write: an expiry, no value.
    expect((await writes(page)).filter((write) => write.startsWith(COOKIE))).toEqual([`${COOKIE}=;path=/;max-age=0`])

    await update(page, { plan: 'free' })
    expect((await serverCookie(context))?.value).toMatch(new RegExp(`^${second}\\.`))
    await page.evaluate(() => localStorage.clear())
    await reload(page)
    expect(await anonymousId(page)).toBe(second)
    await context.close()
  })

  it('server rendering: readAnonymousId reads the browser\'s Cookie header into data-anonymous-id', async () => {
    const { context, page } = await open()
    const id = await anonymousId(page)
    await update(page, { plan: 'pro' })
    await page.evaluate(() => localStorage.clear())
    await page.goto(siteUrl + '/ssr.html')
    await ready(page)
    expect(await page.evaluate(() => document.querySelector('script')!.dataset.anonymousId)).toBe(id)
    expect(await anonymousId(page)).toBe(id)
    await context.close()
  })

  it('the npm build: createClient({ endpoint: \'/uf\' }) with no writeKey sends through the proxy, and the cookie keeps the visitor', async () => {
    const { context, page } = await open('/esm.html')
    const id = await anonymousId(page)
    expect(await update(page, { via: 'esm' })).toEqual({ ok: true })
    expect((await apiClient.requests()).posts[0]).toMatchObject({ headers: { authorization: `Bearer ${WRITE_KEY}` }, body: { anonymousId: id } })
    await page.evaluate(() => localStorage.clear())
    await reload(page)
    expect(await anonymousId(page)).toBe(id)
    expect((await writes(page)).filter((write) => write.startsWith(COOKIE))).toEqual([])
    expect((page as Page & { errors: string[] }).errors).toEqual([])
    await context.close()
  })

  it('optOut() expires it too', async () => {
    const { context, page } = await open()
    await update(page, { plan: 'pro' })
    expect(await serverCookie(context)).toBeDefined()
    await page.evaluate(() => (window as any).userflux.optOut())
    expect(await serverCookie(context)).toBeUndefined()
    await context.close()
  })

  it('a proxy without the cookie: a cleared storage is a new visitor, as without any proxy', async () => {
    const { context, page } = await open('/plain.html')
    const id = await anonymousId(page)
    expect(await update(page, { plan: 'pro' })).toEqual({ ok: true })
    expect(await context.cookies()).toEqual([])
    await page.evaluate(() => localStorage.clear())
    await reload(page)
    expect(await anonymousId(page)).not.toBe(id)
    expect((await apiClient.requests()).posts[0]!.headers.authorization).toBe(`Bearer ${WRITE_KEY}`)
    await context.close()
  })
})
