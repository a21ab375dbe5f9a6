/**
 * Issue 19: each route by which the snippet was turned against its host page, walked once in real
 * Chromium (hostile-input.test.ts searches the same routes with generated values). Every test checks
 * the built-ins are as they were before the script loaded and that nothing was thrown into the page.
 */
import { chromium, type Browser } from 'playwright'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS, findChromium } from '../support/chromium.js'
import { useStack, WRITE_KEY } from './harness.js'
import { deliverMarker, esmPage, openWatched, PROTO_NAMES, repeated, scriptTagPage, type Watched } from './hostile-support.js'

const stack = useStack()
let pages = 0
const options = (extra = '') => `{ writeKey, endpoint: api, flushInterval: 20, onError${extra ? ', ' + extra : ''} }`
const account = encodeURIComponent(WRITE_KEY)

const unharmed = async (watched: Watched) => {
  expect(await watched.page.evaluate(() => (window as any).__ufProtoDiff())).toEqual([])
  expect(watched.pageErrors).toEqual([])
}
const inPage = <T>(watched: Watched, script: string) => watched.page.evaluate(`(async (uf) => { ${script} })(window.userflux)`) as Promise<T>
const plant = (items: Record<string, string>) => ({ script: `if (!sessionStorage.getItem('planted')) { sessionStorage.setItem('planted', '1'); for (const [k, v] of ${JSON.stringify(Object.entries(items))}) localStorage.setItem(k, v) }` })

describe('1. the anonymousId as a key: "__proto__" and "constructor" are ordinary ids', () => {
  const routes: [string, (id: string) => Promise<Watched>][] = [
    ['the anonymousId option', async (id) => openWatched(await stack.newContext(), stack.site + esmPage(stack, `boot-${++pages}`, options(`anonymousId: ${JSON.stringify(id)}`)))],
    ['data-anonymous-id', async (id) => openWatched(await stack.newContext(), stack.site + scriptTagPage(stack, `tag-${++pages}`, { 'write-key': WRITE_KEY, endpoint: stack.api.url, 'flush-interval': '20', 'anonymous-id': id }))],
    ['a stored uf-anonymousId', async (id) => openWatched(await stack.newContext(), stack.site + esmPage(stack, `stored-${++pages}`, options()), plant({ 'uf-anonymousId': id }))],
  ]
  for (const [route, open] of routes) {
    it.each(['__proto__', 'constructor'])(`${route} = %s: a delivered { isAdmin: false, keys: 1, name: 'x' } leaves Object and Object.prototype alone, sent once`, async (id) => {
      const watched = await open(id)
      const { ok, anonymousId } = await deliverMarker(watched, 1)
      expect(anonymousId).toBe(id)
      expect(ok).toBe(true)
      expect(await inPage(watched, `uf.updateProfile({ isAdmin: false, keys: 1, name: 'x' }); const result = await uf.flush(); return [result.ok, ({}).isAdmin, typeof Object.keys, String({})]`)).toEqual([true, undefined, 'function', '[object Object]'])
      await unharmed(watched)
      const accepted = await stack.api.accepted()
      expect(accepted.filter((body) => body.properties?.isAdmin === false)).toHaveLength(1)
      // A reload delivers nothing twice.
      await watched.page.reload()
      await deliverMarker(watched, 2)
      expect((await stack.api.accepted()).filter((body) => body.properties?.isAdmin === false)).toHaveLength(1)
      await unharmed(watched)
    })
  }

  it('a queue planted in localStorage with inherited property names: delivered as ordinary keys, prototypes untouched', async () => {
    const properties = { toString: 'NaN', __proto__: { polluted: true }, constructor: 'Ferrari', valueOf: 1, hasOwnProperty: 2 }
    const planted = JSON.stringify({ version: 1, writtenAt: 1, endpoint: 'x', entries: [{ anonymousId: '__proto__', locationEnrichment: false, properties: JSON.parse(JSON.stringify(properties).replace('"polluted"', '"polluted"')), stamps: [], bytes: 90, firstStamp: 1 }] })
    // JSON.stringify of an object literal drops a __proto__ set by the literal: write the key by hand.
    const raw = planted.replace('"properties":{', '"properties":{"__proto__":{"polluted":true},')
    const watched = await openWatched(await stack.newContext(), stack.site + esmPage(stack, `planted-${++pages}`, options()), plant({ [`uf-queue-v1|${account}|dead`]: raw }))
    await deliverMarker(watched, 3)
    await unharmed(watched)
    expect(await watched.page.evaluate(() => [String({}), ({} as any).polluted])).toEqual(['[object Object]', undefined])
    const body = await stack.api.waitFor((accepted) => accepted.find((candidate) => candidate.anonymousId == '__proto__' && candidate.properties && Object.hasOwn(candidate.properties, 'constructor')))
    expect(Object.getOwnPropertyDescriptor(body.properties, '__proto__')?.value).toEqual({ polluted: true })
    expect(body.properties).toMatchObject({ toString: 'NaN', constructor: 'Ferrari', valueOf: 1, hasOwnProperty: 2 })
  })
})

describe('2. property names of Object.prototype members are ordinary keys', () => {
  it('after { constructor: "Ferrari" } and every other inherited name was delivered, later values of earlier keys still arrive', async () => {
    const watched = await openWatched(await stack.newContext(), stack.site + esmPage(stack, `names-${++pages}`, options()))
    await deliverMarker(watched, 4)
    await inPage(watched, `uf.updateProfile({ theme: 'dark' }); await uf.flush()`)
    const names = PROTO_NAMES
    await inPage(watched, `uf.updateProfile(Object.fromEntries(${JSON.stringify(names)}.map((name, i) => [name, 'v' + i]))); await uf.flush()`)
    expect(await inPage(watched, `uf.updateProfile({ theme: 'light', constructor: 'Tesla' }); return (await uf.flush()).ok`)).toBe(true)
    await unharmed(watched)
    const accepted = await stack.api.accepted()
    const last = accepted.at(-1)
    expect(JSON.stringify(last.properties)).toBe('{"theme":"light","constructor":"Tesla"}')
    const inherited = accepted.find((body) => body.properties && Object.hasOwn(body.properties, 'hasOwnProperty'))
    for (const [i, name] of names.entries()) expect(Object.getOwnPropertyDescriptor(inherited.properties, name)?.value, name).toBe('v' + i)
  })

  it('a closed tab’s pending { constructor: … } is adopted, not declared corrupt', async () => {
    const entry = { anonymousId: 'closed-tab', locationEnrichment: false, properties: { constructor: 'Ferrari', toString: 'x' }, stamps: [['constructor', 1], ['toString', 1]], bytes: 40, firstStamp: 1 }
    const watched = await openWatched(await stack.newContext(), stack.site + esmPage(stack, `closed-${++pages}`, options()), plant({ [`uf-queue-v1|${account}|gone`]: JSON.stringify({ version: 1, writtenAt: 1, endpoint: 'x', entries: [entry] }) }))
    await deliverMarker(watched, 5)
    await stack.api.waitFor((accepted) => accepted.some((body) => body.anonymousId == 'closed-tab' && body.properties?.constructor === 'Ferrari'))
    expect((await watched.reports()).filter((line) => /corrupt/.test(line))).toEqual([])
    await unharmed(watched)
  })
})

describe('3. options are read from own properties only', () => {
  const polluted = { script: `Object.prototype.endpoint = 'http://127.0.0.1:9/evil'; Object.prototype.writeKey = 'stolen'` }
  it('ESM: Object.prototype.endpoint set by the page is never used', async () => {
    // No endpoint given: the default one, never the page's Object.prototype.endpoint (no network here: it fails).
    const watched = await openWatched(await stack.newContext(), stack.site + esmPage(stack, `own-${++pages}`, `{ writeKey, flushInterval: 20, onError, minRetryDelay: 60000 }`), polluted)
    await deliverMarker(watched, 6)
    expect(watched.posts.length).toBeGreaterThan(0)
    expect(watched.posts.every((url) => url.startsWith('https://integration-api.userflux.co/profile'))).toBe(true)
    await unharmed(watched)
  })
  it('script tag: neither is an inherited data-endpoint', async () => {
    // No data-endpoint: the default endpoint, never the page's Object.prototype.endpoint.
    const watched = await openWatched(await stack.newContext(), stack.site + scriptTagPage(stack, `own-tag-${++pages}`, { 'write-key': WRITE_KEY, 'flush-interval': '20' }), polluted)
    await watched.page.waitForTimeout(300)
    await watched.page.evaluate(() => (window as any).userflux.updateProfile({ a: 1 }))
    await watched.page.waitForTimeout(300)
    expect(watched.posts.filter((url) => url.includes('evil'))).toEqual([])
    expect(watched.posts.every((url) => url.startsWith('https://integration-api.userflux.co'))).toBe(true)
    await unharmed(watched)
  })
})

describe('4. cookies tossed by a sibling subdomain (cookieDomain)', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.example.test 127.0.0.1'] })
  })
  afterAll(() => browser?.close())
  /** `here`: the cookie's path is the page's own, longer than the snippet's `/`, so it comes first in document.cookie. */
  const open = async (extra = '', cookies: { name: string; value: string; here?: boolean }[] = []) => {
    const context = await browser.newContext()
    const url = esmPage(stack, `toss-${++pages}`, options('cookieDomain: true' + (extra ? ', ' + extra : '')))
    await context.addCookies(cookies.map(({ name, value, here }) => ({ name, value, domain: '.example.test', path: here ? url : '/' })))
    return openWatched(context, `http://www.example.test:${new URL(stack.site).port}${url}`)
  }

  it('uf-optOut=0 never lifts optedOut: true (a consent-first site sends nothing)', async () => {
    const watched = await open('optedOut: true', [{ name: 'uf-optOut', value: '0' }])
    const result = await deliverMarker(watched, 7)
    expect(result.optedOut).toBe(true)
    expect(watched.posts).toEqual([])
    await unharmed(watched)
  })

  it('uf-optOut=0 under a longer path cannot undo the visitor’s own optOut()', async () => {
    const watched = await open('', [{ name: 'uf-optOut', value: '0', here: true }])
    // The planted copy is there, first, as a sibling subdomain set it.
    expect(await watched.page.evaluate(() => document.cookie)).toMatch(/^uf-optOut=0/)
    expect(await inPage(watched, `uf.optOut(); uf.updateProfile({ after: 1 }); await new Promise((r) => setTimeout(r, 200)); return uf.hasOptedOut`)).toBe(true)
    await watched.page.reload()
    expect(await inPage(watched, `return uf.hasOptedOut`)).toBe(true)
    expect((await stack.api.accepted()).filter((body) => body.properties?.after)).toEqual([])
    await unharmed(watched)
  })

  it('a planted second uf-anonymousId (a longer path) is tampering: ignored, reported once, and reset() holds', async () => {
    const watched = await open('', [{ name: 'uf-anonymousId', value: 'attacker-known', here: true }])
    expect(await watched.page.evaluate(() => document.cookie)).toMatch(/^uf-anonymousId=attacker-known/)
    const first = await inPage<string>(watched, `return uf.anonymousId`)
    const fresh = await inPage<string>(watched, `uf.reset(); return uf.anonymousId`)
    expect(fresh).not.toBe('attacker-known')
    expect(fresh).not.toBe(first)
    await watched.page.reload()
    expect(await inPage(watched, `return uf.anonymousId`)).toBe(fresh)
    expect(repeated(await watched.reports())).toEqual([])
    expect((await watched.reports()).some((line) => /cookies named uf-anonymousId/.test(line))).toBe(true)
    await unharmed(watched)
  })

  it('ids from cookies are validated: a 70 KB or control-character id is never used', async () => {
    const watched = await open('', [{ name: 'uf-anonymousId', value: encodeURIComponent('x'.repeat(3000) + '\u0001') }])
    const { ok, anonymousId } = await deliverMarker(watched, 8)
    expect(ok).toBe(true)
    expect(anonymousId.length).toBeLessThan(100)
    await unharmed(watched)
  })
})

describe('5. junk in the snippet’s own storage is repaired, reported once, never thrown', () => {
  it('a legacy delivered record {"<id>":"x"}: one send, flush settles', async () => {
    const watched = await openWatched(
      await stack.newContext(),
      stack.site + esmPage(stack, `junk-${++pages}`, options('anonymousId: "visitor-1"')),
      plant({ [`uf-sent-${encodeURIComponent(WRITE_KEY + '@' + stack.api.url)}`]: '{"visitor-1":"x"}', [`uf-delivered-v1|${account}`]: '{"version":1,"rows":[["visitor-1","a","x","y",1]]}' }),
    )
    expect((await deliverMarker(watched, 9)).ok).toBe(true)
    expect((await stack.api.accepted()).filter((body) => body.properties?.marker === 9)).toHaveLength(1)
    expect(repeated(await watched.reports())).toEqual([])
    await unharmed(watched)
  })

  it('an orphan entry of the wrong shape costs its valid neighbour nothing', async () => {
    const valid = { anonymousId: 'neighbour', locationEnrichment: false, properties: { kept: true }, stamps: [['kept', 1]], bytes: 12, firstStamp: 1 }
    const watched = await openWatched(
      await stack.newContext(),
      stack.site + esmPage(stack, `orphan-${++pages}`, options()),
      plant({ [`uf-queue-v1|${account}|dead`]: JSON.stringify({ version: 1, writtenAt: 1, endpoint: 'x', entries: [{ anonymousId: 'bad', stamps: 5 }, valid] }) }),
    )
    await deliverMarker(watched, 10)
    await stack.api.waitFor((accepted) => accepted.some((body) => body.anonymousId == 'neighbour' && body.properties?.kept === true))
    expect((await watched.reports()).filter((line) => /corrupt/.test(line))).toHaveLength(1)
    await unharmed(watched)
  })

  it('a 70 KB stored id is replaced, so bodies stay sendable', async () => {
    const watched = await openWatched(await stack.newContext(), stack.site + esmPage(stack, `long-${++pages}`, options()), plant({ 'uf-anonymousId': 'x'.repeat(70_000) }))
    const { ok, anonymousId } = await deliverMarker(watched, 11)
    expect(ok).toBe(true)
    expect(anonymousId.length).toBeLessThan(100)
    await unharmed(watched)
  })
})

describe('6. reports never re-enter themselves', () => {
  it('an onError reading client.anonymousId while a corrupt stored id is reported: one report, no overflow', async () => {
    const boot = `{ writeKey, endpoint: api, flushInterval: 20, onError: (error) => { window.__ufErrors.push({ code: error.code, message: error.message }); void window.userflux?.anonymousId } }`
    const watched = await openWatched(await stack.newContext(), stack.site + esmPage(stack, `reenter-${++pages}`, boot), plant({ 'uf-anonymousId': ' ' }))
    await deliverMarker(watched, 12)
    expect((await watched.reports()).filter((line) => /corrupt/.test(line))).toHaveLength(1)
    await unharmed(watched)
  })
})

describe('7. privacy: the URL and the console', () => {
  it('ufeid leaves the address bar once stored; initial_referrer keeps origin and path', async () => {
    const context = await stack.newContext()
    const url = esmPage(stack, `privacy-${++pages}`, options('attribution: true'))
    const page = await context.newPage()
    await page.goto(`${stack.site}${url}?keep=1&ufeid=ext-7`, { referer: 'https://news.example/article?token=secret' })
    const watched: Watched = { page, pageErrors: [], posts: [], reports: async () => [] }
    await deliverMarker(watched, 13)
    expect(new URL(page.url()).search).toBe('?keep=1')
    const body = await stack.api.waitFor((accepted) => accepted.find((candidate) => candidate.properties?.initial_referrer))
    expect(body.properties.initial_referrer).toBe('https://news.example/article')
    expect(body.externalId).toBe('ext-7')
  })

  it('?uf_debug=1 on a site that set debug: false logs what happens, but no property value', async () => {
    const context = await stack.newContext()
    const page = await context.newPage()
    const lines: string[] = []
    page.on('console', async (message) => lines.push(JSON.stringify(await Promise.all(message.args().map((arg) => arg.jsonValue())))))
    await page.goto(`${stack.site}${esmPage(stack, `debug-${++pages}`, options('debug: false'))}?uf_debug=1`)
    await deliverMarker({ page, pageErrors: [], posts: [], reports: async () => [] }, 14)
    await page.evaluate(() => (window as any).userflux.updateProfile({ email: 'secret@example.com' }))
    await page.evaluate(() => (window as any).userflux.flush())
    await page.waitForTimeout(100)
    // What happens is logged, with the property's name…
    expect(lines.some((line) => line.includes('"[userflux]"') && line.includes('"email"'))).toBe(true)
    // …but not its value.
    expect(lines.join('\n')).not.toContain('secret@example.com')
  })
})
