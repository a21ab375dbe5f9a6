import { describe, expect, it } from 'vitest'
import { BUILDS, inPage, pageUrl, ready, sleep, useStack, WRITE_KEY } from './harness.js'

const stack = useStack()

describe.each(BUILDS)('%s build, default options', (build) => {
  it('one updateProfile makes exactly one correct request, with a real CORS preflight', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build })
    const anonymousId = await inPage<string>(page, `uf.updateProfile({ theme: 'dark' }); return uf.anonymousId`)
    const [body] = await stack.api.waitFor((accepted) => accepted.length == 1 && accepted)
    await sleep(1500) // nothing else may follow
    const { posts, preflights } = await stack.api.requests()
    expect(posts).toHaveLength(1)
    expect(body).toEqual({ anonymousId, properties: { theme: 'dark' }, deviceData: expect.objectContaining({ browser: 'Chrome' }) })
    expect(posts[0].query).toEqual({ locationEnrichment: 'false' })
    expect(posts[0].headers.authorization).toBe(`Bearer ${WRITE_KEY}`)
    expect(posts[0].headers['content-type']).toBe('application/json')
    expect(posts[0].headers.origin).toBe(stack.site)
    expect(preflights).toBeGreaterThanOrEqual(1)
    await context.close()
  })

  it('100 quick updates make at most two requests carrying all 100 values', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build })
    await inPage(page, `for (let i = 0; i < 100; i++) uf.updateProfile({ ['key' + i]: i })`)
    const merged = await stack.api.waitFor((accepted) => {
      const all = Object.assign({}, ...accepted.map((body) => body.properties))
      return Object.keys(all).length == 100 && all
    })
    expect(merged).toEqual(Object.fromEntries(Array.from({ length: 100 }, (_, i) => ['key' + i, i])))
    expect((await stack.api.requests()).posts.length).toBeLessThanOrEqual(2)
    await context.close()
  })

  it('keeps the anonymousId across reloads and tabs, under uf-anonymousId', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build })
    const first = await inPage<string>(page, `return uf.anonymousId`)
    await page.reload()
    await ready(page)
    expect(await inPage(page, `return uf.anonymousId`)).toBe(first)
    expect(await page.evaluate(() => localStorage.getItem('uf-anonymousId'))).toBe(first)
    const other = await stack.open(context, { build })
    expect(await inPage(other, `return uf.anonymousId`)).toBe(first)
    await context.close()
  })

  it('identify links the user and persists the userId; reset starts a new anonymous id', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build })
    const before = await inPage<string>(page, `uf.updateProfile({ visits: 1 }); uf.identify('user-42', { plan: 'pro' }); return uf.anonymousId`)
    await stack.api.waitFor((accepted) => accepted.length == 2)
    expect(await stack.api.accepted()).toEqual([
      // Device data with the page's first request and again for the new identity (SPEC §8).
      { anonymousId: before, properties: { visits: 1 }, deviceData: expect.any(Object) },
      { userId: 'user-42', anonymousId: before, properties: { plan: 'pro' }, deviceData: expect.any(Object) },
    ])
    const profile = await stack.api.profile('user-42')
    expect(profile.anonymousIds).toContain(before)
    expect(profile.properties).toMatchObject({ visits: 1, plan: 'pro' })
    expect(await page.evaluate(() => localStorage.getItem('uf-userId'))).toBe('user-42')
    const after = await inPage<string>(page, `uf.reset(); return uf.anonymousId`)
    expect(after).not.toBe(before)
    expect(await page.evaluate(() => [localStorage.getItem('uf-userId'), localStorage.getItem('uf-anonymousId')])).toEqual([null, after])
    await context.close()
  })
})

describe('endpoint', () => {
  it('a relative endpoint reaches a first-party proxy on the page\'s own origin, with no preflight', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: { endpoint: '/uf/', flushInterval: 50 } })
    await inPage(page, `uf.updateProfile({ via: 'proxy' })`)
    const [body] = await stack.api.waitFor((accepted) => accepted.length == 1 && accepted)
    expect(body.properties).toEqual({ via: 'proxy' })
    expect((await stack.api.requests()).preflights).toBe(0)
  })
})

describe('script tag', () => {
  it('replays calls buffered by the loader stub, in order, with none lost', async () => {
    const context = await stack.newContext()
    const before = [['updateProfile', { step: 1, a: 1 }], ['identify', 'user-7', { step: 2 }], ['updateProfile', { step: 3 }], ['reset'], ['updateProfile', { step: 4 }]]
    const page = await stack.open(context, { build: 'iife', before, scriptDelay: 300 })
    const anonymousId = await inPage<string>(page, `return uf.anonymousId`)
    const accepted = await stack.api.waitFor((accepted) => accepted.length == 3 && accepted)
    expect(accepted.map((body) => [body.userId, body.properties])).toEqual([
      [undefined, { step: 1, a: 1 }],
      ['user-7', { step: 3 }],
      [undefined, { step: 4 }],
    ])
    expect(accepted[2].anonymousId).toBe(anonymousId)
    expect(accepted[1].anonymousId).not.toBe(anonymousId)
    await context.close()
  })

  it('loaded twice: one client, no duplicate sends', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'iife', twice: true, before: [['updateProfile', { once: true }]] })
    await page.waitForLoadState('load')
    await inPage(page, `uf.updateProfile({ twice: false })`)
    await stack.api.waitFor((accepted) => accepted.length >= 1)
    await sleep(1500)
    // Each value exactly once (one request, or two when the first left before the second call on a
    // loaded machine): a second client would have sent { once: true } again.
    const sent = (await stack.api.accepted()).flatMap((body: any) => Object.entries(body.properties))
    expect(sent).toEqual([['once', true], ['twice', false]])
    await context.close()
  })

  it('without data-write-key: one clear console error, nothing sent, nothing thrown', async () => {
    const context = await stack.newContext()
    const page = await context.newPage()
    const messages: string[] = []
    page.on('console', (message) => message.type() == 'error' && messages.push(message.text()))
    page.on('pageerror', (error) => messages.push('pageerror: ' + error.message))
    await page.goto(pageUrl(stack.site, { build: 'iife', noKey: true, before: [['updateProfile', { a: 1 }]] }))
    await page.waitForLoadState('load')
    await sleep(300)
    // Reported by createClient since the script tag may leave the key to a first-party proxy (SPEC §12).
    expect(messages).toEqual(['userflux: data-write-key is required (your Write Only key), not undefined: nothing is stored or sent'])
    expect((await stack.api.requests()).posts).toHaveLength(0)
    await context.close()
  })
})
