/**
 * The delivery guarantees of SPEC §5 that depend on the browser, written once and run in each engine
 * of SPEC §9 (Chromium too, so that one table proves parity), with both builds. The engines tested
 * (Chromium 156, Firefox ESR 153, WebKitGTK 2.50) have everything the snippet uses, and every
 * guarantee holds in each; what degrades in older browsers (no Web Locks, no keepalive) is played
 * in each engine by hiding the feature, and the degraded behaviour is asserted and recorded
 * (test-results/engines/<engine>.json). Nothing is skipped.
 */
import { describe, expect, it } from 'vitest'
import { BUILDS, WRITE_KEY, sleep, type Build } from '../e2e/harness.js'
import type { EngineName } from './driver.js'
import { inPage, pageProblems, useEngineStack, waitForClient, type EnginePage } from './stack.js'

/** Short intervals where a scenario waits on the snippet's timers; the script tag always runs its defaults. */
const fast = { flushInterval: 50, minRetryDelay: 100, maxRetryDelay: 400 }
const page = (build: Build, options?: Record<string, unknown>): EnginePage => (build == 'esm' && options ? { build, options } : { build })
/** The fields a POST /profile body may carry (§4, §8). */
const BODY_FIELDS = ['userId', 'anonymousId', 'properties', 'deviceData', 'externalId']

export function engineScenarios(engine: EngineName) {
  const stack = useEngineStack(engine)

  it('records what the engine has: Web Locks, keepalive, pagehide, secure context', async () => {
    const visitor = await stack.visitor()
    const tab = await stack.open(visitor, { build: 'esm' })
    const has = await tab.evaluate<Record<string, boolean>>(`({
      secureContext: isSecureContext,
      webLocks: !!(navigator.locks && navigator.locks.request),
      keepalive: 'keepalive' in new Request('/', { keepalive: true }),
      pagehide: 'onpagehide' in window,
      storageEvent: 'onstorage' in window,
    })`)
    stack.record('features', has)
    // 127.0.0.1 is a secure context in every engine: the features above are not hidden by an http origin.
    expect(has.secureContext).toBe(true)
    expect(has.pagehide).toBe(true)
  })

  describe.each(BUILDS)('%s build', (build) => {
    it('an update arrives once with the right wire format, after a real CORS preflight', async () => {
      const tab = await stack.open(await stack.visitor(), page(build))
      const anonymousId = await inPage<string>(tab, `uf.updateProfile({ theme: 'dark' }); return uf.anonymousId`)
      const [body] = await stack.api.waitFor((accepted) => accepted.length == 1 && accepted)
      await sleep(1500) // nothing else may follow
      const { posts, preflights } = await stack.api.requests()
      expect(posts).toHaveLength(1)
      expect(body).toMatchObject({ anonymousId, properties: { theme: 'dark' } })
      expect(body).not.toHaveProperty('userId')
      expect(BODY_FIELDS).toEqual(expect.arrayContaining(Object.keys(body)))
      expect(posts[0].query).toEqual({ locationEnrichment: 'false' })
      expect(posts[0].headers.authorization).toBe(`Bearer ${WRITE_KEY}`)
      expect(posts[0].headers['content-type']).toBe('application/json')
      expect(posts[0].headers.origin).toBe(stack.site)
      // Authorization makes it a non-simple request: no browser sends it without a preflight's consent.
      if (engine == 'webkit') expect(await stack.preflightsInFile()).toBeGreaterThanOrEqual(1)
      else expect(preflights).toBeGreaterThanOrEqual(1)
    })

    it('the anonymousId persists across reloads and is shared by tabs', async () => {
      const visitor = await stack.visitor()
      const tab = await stack.open(visitor, page(build))
      const first = await inPage<string>(tab, `return uf.anonymousId`)
      expect(first).toMatch(/^[\w-]{21}$/)
      await tab.reload()
      await waitForClient(tab)
      expect(await inPage(tab, `return uf.anonymousId`)).toBe(first)
      expect(await tab.evaluate(`localStorage.getItem('uf-anonymousId')`)).toBe(first)
      const other = await stack.open(visitor, page(build))
      expect(await inPage(other, `return uf.anonymousId`)).toBe(first)
    })

    it('identify links the user to the anonymousId', async () => {
      const tab = await stack.open(await stack.visitor(), page(build))
      const id = await inPage<string>(tab, `uf.updateProfile({ visits: 1 }); uf.identify('user-42', { plan: 'pro' }); return uf.anonymousId`)
      const accepted = await stack.api.waitFor((accepted) => accepted.length == 2 && accepted)
      expect(accepted[0]).toMatchObject({ anonymousId: id, properties: { visits: 1 } })
      expect(accepted[1]).toMatchObject({ userId: 'user-42', anonymousId: id, properties: { plan: 'pro' } })
      const profile = await stack.api.profile('user-42')
      expect(profile.anonymousIds).toContain(id)
      expect(profile.properties).toMatchObject({ visits: 1, plan: 'pro' })
      expect(await tab.evaluate(`localStorage.getItem('uf-userId')`)).toBe('user-42')
    })

    it('an update made right before navigating away arrives (keepalive on pagehide)', async () => {
      // A minute-long flush interval (ESM): only the page's exit can send it. The script tag has its defaults.
      const tab = await stack.open(await stack.visitor(), page(build, { flushInterval: 60_000 }))
      await inPage(tab, `uf.updateProfile({ leaving: 'now' })`)
      await tab.goto(stack.elsewhere)
      const accepted = await stack.api.waitFor((accepted) => accepted.length >= 1 && accepted)
      expect(accepted.map((body) => body.properties)).toEqual([{ leaving: 'now' }])
    })

    it('an update made while the API was down arrives on the next visit', async () => {
      await stack.api.faults([{ drop: true, times: 1000 }])
      const visitor = await stack.visitor()
      const tab = await stack.open(visitor, page(build, fast))
      // flush() resolves once the first attempt has failed.
      expect(await inPage(tab, `uf.updateProfile({ made: 'offline' }); return (await uf.flush()).ok`)).toBe(false)
      await tab.close()
      await sleep(1000) // its keepalive try on close, if any, meets the dead API too
      await stack.api.reset() // the API is back
      await stack.open(visitor, page(build, fast))
      // The closed page's exit send may still be on the wire as far as the next page knows: its keys
      // wait for that request's wire mark (10 s and 1 ms a byte, ARCHITECTURE.md) before they are
      // sent again, so the bound is that and as much again for a loaded machine.
      const accepted = await stack.api.waitFor((accepted) => accepted.length >= 1 && accepted, 30_000)
      await sleep(500)
      // At least once: a browser may itself retry a request whose connection was reset, so a late
      // copy of the closing page's keepalive can arrive too; nothing else may.
      expect(new Set((await stack.api.accepted()).map((body) => JSON.stringify(body.properties)))).toEqual(new Set(['{"made":"offline"}']))
      expect(accepted[0].anonymousId).toBeTruthy()
    })

    it('5xx and Retry-After are retried, then delivered once', async () => {
      await stack.api.faults([{ status: 503, retryAfter: '2' }, { status: 500 }])
      const tab = await stack.open(await stack.visitor(), page(build, fast))
      await inPage(tab, `uf.updateProfile({ plan: 'pro' })`)
      await stack.api.waitFor((accepted) => accepted.length == 1)
      const { posts } = await stack.api.requests()
      expect(posts.map((post) => post.status)).toEqual([503, 500, 204])
      expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(1900) // Retry-After: 2
      expect(posts.every((post) => post.body.properties.plan == 'pro')).toBe(true)
    })

    it('localStorage that throws: delivers from memory, reports once, never throws', async () => {
      const tab = await stack.open(await stack.visitor(), { ...page(build, fast), storage: 'throws' })
      const id = await inPage<string>(tab, `uf.identify('user-1', { a: 1 }); uf.updateProfile({ b: 2 }); return uf.anonymousId`)
      const accepted = await stack.api.waitFor((accepted) => accepted.length >= 1 && accepted)
      expect(Object.assign({}, ...accepted.map((body) => body.properties))).toEqual({ a: 1, b: 2 })
      expect(accepted.every((body) => body.userId == 'user-1' && body.anonymousId == id)).toBe(true)
      const problems = await pageProblems(tab)
      expect(problems.errors).toEqual([])
      const reports = build == 'esm' ? await tab.evaluate<{ message: string }[]>('window.__ufErrors') : problems.console.map((message) => ({ message }))
      expect(reports.map((report) => report.message)).toEqual([expect.stringContaining('storage unusable (SecurityError)')])
    })

    it('localStorage really full (the quota reached): still delivers, never throws', async () => {
      const tab = await stack.open(await stack.visitor(), { ...page(build, fast), storage: 'full' })
      const filled = await tab.evaluate<{ storage?: string; storageFilled?: number }>('window.__engine')
      stack.record('quota', { error: filled.storage, charactersStored: filled.storageFilled })
      expect(filled.storage).toBe('QuotaExceededError') // the browser's own error, met before the snippet ran
      await inPage(tab, `for (let i = 0; i < 10; i++) uf.updateProfile({ i })`)
      const accepted = await stack.api.waitFor((accepted) => accepted.some((body) => body.properties.i == 9) && accepted)
      expect(accepted.every((body) => body.anonymousId == accepted[0].anonymousId)).toBe(true)
      expect((await pageProblems(tab)).errors).toEqual([])
    })

    it('two tabs, one closed with data pending while the API fails: nothing is lost', async () => {
      await stack.api.faults([{ status: 503, times: 1000 }])
      const visitor = await stack.visitor()
      // Retries (ESM) a second apart at most: b delivers its own data soon after the API is back.
      const patient = { flushInterval: 50, minRetryDelay: 500, maxRetryDelay: 1000 }
      const [a, b] = [await stack.open(visitor, page(build, patient)), await stack.open(visitor, page(build, patient))]
      expect(await inPage(a, `uf.updateProfile({ pending: 'in closed tab' }); return (await uf.flush()).ok`)).toBe(false)
      expect(await inPage(b, `uf.updateProfile({ also: 'in open tab' }); return (await uf.flush()).ok`)).toBe(false)
      await a.close()
      await sleep(1000) // the closing tab's keepalive try, if any, fails too
      await stack.api.reset()
      // A new page of the site (b still open) adopts the closed tab's queue; b sends its own.
      const next = await stack.open(visitor, page(build, fast))
      const merged = await stack.api.waitFor((accepted) => {
        const all = Object.assign({}, ...accepted.map((body) => body.properties))
        return all.pending && all.also && all
      }, 30_000)
      expect(merged).toEqual({ pending: 'in closed tab', also: 'in open tab' })
      expect(await inPage(next, `return uf.anonymousId`)).toBe(await inPage(b, `return uf.anonymousId`))
    })

    it('opt-out in one tab holds in the other tabs and after a reload', async () => {
      const visitor = await stack.visitor()
      const [a, b] = [await stack.open(visitor, page(build, fast)), await stack.open(visitor, page(build, fast))]
      await inPage(a, `uf.optOut()`)
      // Tab B reads the choice from localStorage, which every engine passes between tabs
      // asynchronously: WebKit, on a loaded machine, had not yet when the next WebDriver command ran.
      // The guarantee starts once B sees the choice; how long that took is recorded.
      const optedOutAt = Date.now()
      while (!(await inPage<boolean>(b, `return uf.hasOptedOut`))) {
        if (Date.now() - optedOutAt > 5_000) throw new Error('tab B never saw tab A opt out')
        await sleep(10)
      }
      stack.record(`optOutSeenByOtherTabMs.${build}`, Date.now() - optedOutAt)
      await inPage(b, `uf.updateProfile({ other: 'tab' }); await uf.flush()`)
      await a.reload()
      await waitForClient(a)
      expect(await inPage(a, `uf.updateProfile({ after: 'reload' }); await uf.flush(); return uf.hasOptedOut`)).toBe(true)
      await sleep(1500) // more than a flush interval of the script tag's defaults
      expect((await stack.api.requests()).posts).toEqual([])
      expect(await a.evaluate(`Object.keys(localStorage).filter((key) => key.startsWith('uf-'))`)).toEqual(['uf-optOut'])
    })

    it('works under the site\'s strict CSP (no inline script, no eval): no violation, delivered', async () => {
      const url = await stack.url(page(build))
      const csp = (await fetch(url)).headers.get('content-security-policy')!
      const scriptSrc = csp.split(';').find((directive) => directive.trim().startsWith('script-src'))!
      expect(scriptSrc).not.toMatch(/unsafe-inline|unsafe-eval|\*/)
      const tab = await stack.open(await stack.visitor(), page(build))
      await inPage(tab, `uf.updateProfile({ csp: 'strict' })`)
      await stack.api.waitFor((accepted) => accepted.length == 1)
      expect(await pageProblems(tab)).toMatchObject({ csp: [], errors: [], console: [] })
    })
  })

  describe('older browsers, played in this engine', () => {
    it('without Web Locks: a closed tab\'s unsent update stays stored, neither lost nor taken over early', async () => {
      await stack.api.faults([{ status: 503, times: 1000 }])
      const visitor = await stack.visitor()
      const old: EnginePage = { build: 'esm', options: { flushInterval: 50, minRetryDelay: 60_000 }, without: 'locks' }
      const a = await stack.open(visitor, old)
      expect(await inPage(a, `uf.updateProfile({ pending: 'no locks' }); return (await uf.flush()).ok`)).toBe(false)
      await a.close()
      await sleep(1000) // its keepalive try on close fails too
      await stack.api.reset()
      const next = await stack.open(visitor, { ...old, options: fast })
      await inPage(next, `uf.updateProfile({ next: 'page' })`)
      await stack.api.waitFor((accepted) => accepted.some((body) => body.properties.next))
      await sleep(1000)
      // A page cannot tell a closed tab from a live one without locks: it leaves that queue to its
      // owner for 10 minutes (src/browser/tabs.ts), then adopts it. Meanwhile the update waits in storage.
      expect((await stack.api.accepted()).map((body) => body.properties)).toEqual([{ next: 'page' }])
      const stored = await next.evaluate<string>(`Object.keys(localStorage).filter((key) => key.startsWith('uf-queue-')).map((key) => localStorage.getItem(key)).join()`)
      expect(stored).toContain('no locks')
      stack.record('withoutWebLocks', 'a closed tab\'s unsent update stays in storage; a page opened 10 minutes later or more sends it')
    })

    it('without keepalive: an update made right before leaving arrives on the next visit at the latest', async () => {
      const visitor = await stack.visitor()
      const tab = await stack.open(visitor, { build: 'esm', options: { flushInterval: 60_000 }, without: 'keepalive' })
      await inPage(tab, `uf.updateProfile({ leaving: 'no keepalive' })`)
      await tab.goto(stack.elsewhere)
      await sleep(1000)
      const early = (await stack.api.accepted()).length > 0
      stack.record('withoutKeepalive', early ? 'the exit request still arrived (the browser let it finish)' : 'the exit request died with the page; the next visit sent the update')
      await stack.open(visitor, { build: 'esm', options: fast })
      const accepted = await stack.api.waitFor((accepted) => accepted.length >= 1 && accepted)
      await sleep(500)
      expect(new Set((await stack.api.accepted()).map((body) => JSON.stringify(body.properties)))).toEqual(new Set(['{"leaving":"no keepalive"}']))
      expect(accepted[0].anonymousId).toBeTruthy()
    })
  })
}
