/**
 * SPEC §14, searched rather than walked: fast-check generates hostile values for every route into
 * the snippet (options, data-* attributes, uf-* storage values, cookies, URL parameters, ids and
 * property names), each case a fresh page in real Chromium. After each: the built-ins' own
 * properties are as they were before the script loaded, no uncaught error, a valid update is still
 * delivered, and no report repeats. `UF_HOSTILE_RUNS=200 npx vitest run tests/e2e/hostile-input.test.ts`
 * for a longer run; a failure prints its seed (`UF_HOSTILE_SEED` replays it).
 */
import fc from 'fast-check'
import { chromium, type Browser } from 'playwright'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS, findChromium } from '../support/chromium.js'
import { useStack, WRITE_KEY } from './harness.js'
import { deliverMarker, esmPage, hostileId, hostileName, hostileProperties, openWatched, PROTO_NAMES, repeated, runs, scriptTagPage, type Watched } from './hostile-support.js'

const stack = useStack()
let marker = 0
let pages = 0

/** The checks every case ends with; `delivered`: a valid update must still reach the API. */
async function expectUnharmed(watched: Watched, delivered = true) {
  const result = await deliverMarker(watched, ++marker)
  expect(await watched.page.evaluate(() => (window as any).__ufProtoDiff())).toEqual([])
  expect(watched.pageErrors).toEqual([])
  expect(repeated(await watched.reports())).toEqual([])
  // Requests go to the configured API only, whatever was planted.
  for (const url of watched.posts) expect(url.startsWith(stack.api.url + '/profile')).toBe(true)
  if (delivered) {
    const reports = await watched.reports()
    expect(result.ok, JSON.stringify({ result, reports })).toBe(true)
    const accepted = await stack.api.accepted()
    expect(accepted.some((body) => body.properties?.marker === marker && body.anonymousId === result.anonymousId), JSON.stringify({ result, reports, accepted: accepted.slice(-3) })).toBe(true)
  }
  return result
}

/** The options a test page passes, as JavaScript: hostile ones first, so the real ones stand. */
const optionsWith = (extra: string) => `{ ...${extra}, writeKey, endpoint: api, flushInterval: 20, onError }`

describe('hostile input, generated (fast-check), in Chromium', () => {
  it('options: any names and values, and an Object.prototype polluted by the page', async () => {
    const optionNames = ['endpoint', 'writeKey', 'storagePrefix', 'storage', 'flushInterval', 'optedOut', 'fetch', 'onError', 'anonymousId', 'cookieDomain', 'debug', 'maxQueueSize', 'resendAfter']
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.oneof(hostileName, fc.constantFrom(...optionNames)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
        fc.subarray(['endpoint', 'writeKey', 'storagePrefix', 'optedOut', 'anonymousId', 'maxQueueSize']),
        async (given, inherited) => {
          const context = await stack.newContext()
          try {
            // Anything the page put on Object.prototype must never be read as an option.
            const pollute = `for (const name of ${JSON.stringify(inherited)}) Object.prototype[name] = name == 'endpoint' ? 'http://127.0.0.1:9' : name == 'optedOut' ? true : name == 'maxQueueSize' ? 1 : '__proto__'`
            // Given options other than the real ones: any of them may be wrong, none may harm.
            const hostile = Object.fromEntries(Object.entries(given).filter(([name]) => !['writeKey', 'endpoint', 'optedOut', 'storage', 'fetch', 'onError', 'blockBots'].includes(name)))
            const url = esmPage(stack, `options-${++pages}`, optionsWith(JSON.stringify(hostile)))
            const watched = await openWatched(context, stack.site + url, { script: pollute })
            await expectUnharmed(watched, !('anonymousId' in hostile))
          } finally {
            await context.close()
          }
        },
      ),
      runs,
    )
  })

  it('data-* attributes: any values, the snippet never harmed nor harming', async () => {
    const attributes = ['endpoint', 'storage-prefix', 'flush-interval', 'anonymous-id', 'max-queue-size', 'debug', 'attribution', 'device-data', 'location-enrichment', 'cookie-domain', 'resend-after']
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...attributes), fc.oneof(hostileId, fc.constantFrom('true', 'false', '-1', 'NaN', '1e400', '')), { maxKeys: 4 }), async (given) => {
        const context = await stack.newContext()
        try {
          const { endpoint: _endpoint, ...rest } = given
          const url = scriptTagPage(stack, `tag-${++pages}`, { ...rest, 'write-key': WRITE_KEY, endpoint: stack.api.url, 'flush-interval': '20' })
          const watched = await openWatched(context, stack.site + url)
          await expectUnharmed(watched, !('anonymous-id' in rest) || !!String(rest['anonymous-id']).trim())
        } finally {
          await context.close()
        }
      }),
      runs,
    )
  })

  it('storage: any value under every uf-* key, planted queues and records with hostile names', async () => {
    const account = encodeURIComponent(WRITE_KEY)
    const legacy = encodeURIComponent(WRITE_KEY + '@' + stack.api.url)
    const plantedQueue = fc.record({ id: hostileId, names: fc.array(hostileName, { maxLength: 4 }), shape: fc.constantFrom('v1', 'f12cb4f', '1ce75f7', 'junk') }).map(({ id, names, shape }) => {
      const properties = Object.fromEntries(names.map((name, i) => [name, i]))
      const stamps = names.map((name) => [name, 1])
      const entries =
        shape == 'v1'
          ? { version: 1, writtenAt: 1, endpoint: 'x', entries: [{ anonymousId: id, locationEnrichment: false, properties, stamps, bytes: 10, firstStamp: 1 }, { anonymousId: 'valid', properties: 'x' }] }
          : shape == 'f12cb4f'
            ? { t: 1, q: [{ a: id, l: false, p: properties, t: Object.fromEntries(stamps), n: 10, s: 1 }, { a: 'n', t: 5, n: 'x' }] }
            : shape == '1ce75f7'
              ? { t: 1, q: [{ a: id, l: false, p: properties, n: 10 }] }
              : names
      return JSON.stringify(entries)
    })
    const value = fc.oneof(hostileId, fc.json(), plantedQueue)
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          anonymousId: fc.option(hostileId),
          userId: fc.option(hostileId),
          externalId: fc.option(hostileId),
          attribution: fc.option(value),
          queue: fc.option(plantedQueue),
          legacyQueue: fc.option(plantedQueue),
          record: fc.option(fc.oneof(value, fc.constantFrom('{"<id>":"x"}', '{"version":1,"rows":[["__proto__","toString",1,"x",1],["a","b","c"]]}'))),
          legacyRecord: fc.option(fc.oneof(value, hostileId.map((id) => JSON.stringify({ [id]: { toString: 5, isAdmin: 'x' } })))),
        }),
        async (planted) => {
          const context = await stack.newContext()
          try {
            const items: [string, string][] = []
            const put = (key: string, stored: string | null) => stored != null && items.push([key, stored])
            put('uf-anonymousId', planted.anonymousId)
            put('uf-userId', planted.userId)
            put('uf-externalId', planted.externalId)
            put('uf-attribution', planted.attribution)
            put(`uf-queue-v1|${account}|planted`, planted.queue)
            put(`uf-queue-${legacy}|planted`, planted.legacyQueue)
            put(`uf-delivered-v1|${account}`, planted.record)
            put(`uf-sent-${legacy}`, planted.legacyRecord)
            const plant = `if (!sessionStorage.getItem('planted')) { sessionStorage.setItem('planted', '1'); for (const [key, value] of ${JSON.stringify(items)}) localStorage.setItem(key, value) }`
            const url = esmPage(stack, `storage-${++pages}`, optionsWith('{}'))
            const watched = await openWatched(context, stack.site + url, { script: plant })
            await expectUnharmed(watched)
          } finally {
            await context.close()
          }
        },
      ),
      runs,
    )
  })

  it('URL parameters: ufeid, uf_debug and campaign values of any text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('ufeid', 'uf_debug', 'utm_source', 'gclid', '__proto__', 'constructor'), fc.oneof(hostileId, fc.constant('1')), { maxKeys: 4 }), async (query) => {
        const context = await stack.newContext()
        try {
          const url = esmPage(stack, `url-${++pages}`, optionsWith('{ attribution: true }'))
          const search = new URLSearchParams(Object.entries(query)).toString()
          const watched = await openWatched(context, `${stack.site}${url}?${search}`)
          await expectUnharmed(watched)
          // A shared link must not carry this visitor's external id on.
          expect(await watched.page.evaluate(() => new URL(location.href).searchParams.has('ufeid'))).toBe(false)
        } finally {
          await context.close()
        }
      }),
      runs,
    )
  })

  it('ids and property names: every call delivered, the last value of each key stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.record({ identify: hostileId, properties: hostileProperties }), fc.record({ update: hostileProperties })), { minLength: 1, maxLength: 6 }), async (calls) => {
        const context = await stack.newContext()
        try {
          const url = esmPage(stack, `calls-${++pages}`, optionsWith('{ anonymousId: "__proto__" }'))
          const watched = await openWatched(context, stack.site + url)
          // As JSON text: Playwright's own serialisation would not keep an own "__proto__" key; JSON.parse does.
          await watched.page.evaluate(async (json) => {
            const uf = (window as any).userflux
            for (const call of JSON.parse(json) as any[]) 'identify' in call ? uf.identify(call.identify, call.properties) : uf.updateProfile(call.update)
            await uf.flush()
          }, JSON.stringify(calls))
          const result = await expectUnharmed(watched)
          // Every key of the last identity's profile holds the last value set (the API merges in arrival order).
          const userId = await watched.page.evaluate(() => (window as any).userflux.userId as string | null)
          if (userId) {
            const expected: Record<string, unknown> = {}
            let current: string | null = null
            for (const call of calls as any[]) {
              if ('identify' in call) {
                const valid = typeof call.identify == 'string' && call.identify.trim() && call.identify.length <= 1024 && !/[\u0000-\u001f\u007f]/.test(call.identify)
                if (!valid) continue
                if (current != call.identify) for (const name of Object.keys(expected)) delete expected[name]
                current = call.identify
                Object.defineProperties(expected, Object.fromEntries(Object.keys(call.properties).map((name) => [name, { value: call.properties[name], enumerable: true, writable: true, configurable: true }])))
              } else if (current) Object.defineProperties(expected, Object.fromEntries(Object.keys(call.update).map((name) => [name, { value: call.update[name], enumerable: true, writable: true, configurable: true }])))
            }
            const profile = await stack.api.profile(userId)
            for (const name of Object.keys(expected)) expect(Object.getOwnPropertyDescriptor(profile.properties, name)?.value, name).toEqual(expected[name])
          }
          expect(result.anonymousId).toBeTruthy()
        } finally {
          await context.close()
        }
      }),
      runs,
    )
  })
})

describe('cookies tossed by a sibling subdomain (cookieDomain)', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.example.test 127.0.0.1'] })
  })
  afterAll(() => browser?.close())

  it('any uf-* cookies, on any path, never harm the page, and never lift an opt-out', async () => {
    const names = ['uf-anonymousId', 'uf-userId', 'uf-externalId', 'uf-optOut', 'uf-attribution']
    await fc.assert(
      fc.asyncProperty(
        // A cookie holds at most 4 KB: longer ones are the storage route's.
        fc.array(fc.record({ name: fc.constantFrom(...names), value: fc.oneof(hostileId.filter((id) => id.length < 1000), fc.constantFrom('0', '1', '', 'x'.repeat(1500))), here: fc.boolean() }), { maxLength: 5 }),
        fc.boolean(),
        async (cookies, optedOut) => {
          const context = await browser.newContext()
          try {
            const port = new URL(stack.site).port
            const url = esmPage(stack, `cookies-${++pages}`, optionsWith(`{ cookieDomain: true, optedOut: ${optedOut} }`))
            // `here`: on the page's own path, a second copy listed before the snippet's own.
            await context.addCookies(cookies.map(({ name, value, here }) => ({ name, value: encodeURIComponent(value), domain: '.example.test', path: here ? url : '/' })))
            const watched = await openWatched(context, `http://www.example.test:${port}${url}`)
            // Requests go to the API by its own address (127.0.0.1): the page is on www.example.test.
            const result = await deliverMarker(watched, ++marker)
            expect(await watched.page.evaluate(() => (window as any).__ufProtoDiff())).toEqual([])
            expect(watched.pageErrors).toEqual([])
            expect(repeated(await watched.reports())).toEqual([])
            // A cookie never lifts `optedOut: true`: nothing leaves.
            if (optedOut) {
              expect(result.optedOut).toBe(true)
              expect(watched.posts).toEqual([])
            } else if (!result.optedOut) expect(result.ok).toBe(true)
          } finally {
            await context.close()
          }
        },
      ),
      runs,
    )
  })
})

export { PROTO_NAMES }
