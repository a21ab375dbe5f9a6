/**
 * SPEC §13, issue 18: upgrades lose nothing. The two previous releases' built script tags (kept as
 * fixtures in tests/fixtures/bundles) and this one, in tabs of one origin, queuing while the API is
 * down, then delivering: nothing lost, nothing older wins, and an older build never deletes what a
 * newer one queued.
 */
import { readFileSync } from 'node:fs'
import type { BrowserContext, Page } from 'playwright'
import { describe, expect, it } from 'vitest'
import { ready, sleep, useStack, WRITE_KEY } from './harness.js'

const stack = useStack()
const root = new URL('../../', import.meta.url).pathname
const BUNDLES = {
  '1ce75f7': readFileSync(root + 'tests/fixtures/bundles/userflux-1ce75f7.min.js', 'utf8'),
  f12cb4f: readFileSync(root + 'tests/fixtures/bundles/userflux-f12cb4f.min.js', 'utf8'),
  now: readFileSync(root + 'dist/userflux.min.js', 'utf8'),
}
type Release = keyof typeof BUNDLES

/** A script-tag page of `release`, on the stack's site (one origin for all of them). */
function tagPage(release: Release) {
  const headers = { 'content-security-policy': `default-src 'self'; script-src 'self'; connect-src *` }
  stack.serve(`/upgrade/${release}.js`, BUNDLES[release], headers)
  stack.serve(`/upgrade/${release}.html`, `<!doctype html><meta charset="utf-8"><script src="/upgrade/${release}.js" data-write-key="${WRITE_KEY}" data-endpoint="${stack.api.url}"></script>`, headers)
  return `${stack.site}/upgrade/${release}.html`
}

async function open(context: BrowserContext, release: Release): Promise<Page> {
  const page = await context.newPage()
  await page.goto(tagPage(release))
  await ready(page)
  return page
}

/** Queues `properties` while the API answers 503, and waits until the page has tried once. */
async function queueWhileDown(page: Page, properties: Record<string, unknown>) {
  await page.evaluate((properties) => (window as any).userflux.updateProfile(properties), properties)
  await page.evaluate(() => (window as any).userflux.flush())
}

const final = (accepted: any[], anonymousId: string) => {
  const state: Record<string, unknown> = {}
  for (const body of accepted) if (body.anonymousId == anonymousId) Object.assign(state, body.properties)
  return state
}

describe('two builds side by side (previous release and this one)', () => {
  for (const previous of ['f12cb4f', '1ce75f7'] as const) {
    it(`${previous} then this release in two tabs, the API down: once it is back, every value arrives and the newer wins`, async () => {
      await stack.api.faults([{ status: 503, times: 10_000 }])
      const context = await stack.newContext()
      const old = await open(context, previous)
      const anonymousId = await old.evaluate(() => (window as any).userflux.anonymousId as string)
      await queueWhileDown(old, { kept: 'old', theme: 'old' })
      await sleep(20) // later, by the wall clock too
      const current = await open(context, 'now')
      // The same visitor: the id is the plain string both builds share (SPEC §4).
      expect(await current.evaluate(() => (window as any).userflux.anonymousId)).toBe(anonymousId)
      await queueWhileDown(current, { theme: 'new', added: 'new' })
      await old.close()
      await current.close()
      // The closing pages' keepalive requests answered (503) before the API comes back: one still on
      // the wire would be applied after the reset, and its value rightly sent again by the next page,
      // which never saw that answer (at least once, not exactly once).
      for (const end = Date.now() + 15_000; (await stack.api.requests()).posts.some((post) => post.status === null) && Date.now() < end; ) await sleep(50)
      await stack.api.reset()
      // The next page of this release adopts both queues: the old format migrated, the new one as it is.
      const next = await open(context, 'now')
      const accepted = await stack.api.waitFor<any[]>((accepted) => {
        const state = final(accepted, anonymousId)
        return !!state.kept && !!state.added && accepted
      }, 20_000)
      await sleep(1500) // anything more, late
      expect(final(await stack.api.accepted(), anonymousId)).toEqual({ kept: 'old', theme: 'new', added: 'new' })
      // Sent once each: no build sent the other's values again.
      expect(accepted.filter((body) => body.properties?.kept)).toHaveLength(1)
      expect(accepted.filter((body) => body.properties?.added)).toHaveLength(1)
      await next.close()
      await context.close()
    })
  }

  it('an older build in another tab never deletes nor sends what this release queued', async () => {
    await stack.api.faults([{ status: 503, times: 10_000 }])
    const context = await stack.newContext()
    const current = await open(context, 'now')
    const anonymousId = await current.evaluate(() => (window as any).userflux.anonymousId as string)
    await queueWhileDown(current, { fromNew: 1 })
    await current.close()
    const queued = async (page: Page) => page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('uf-queue-v1|')))
    // The previous release's page adopts closed tabs' queues at start: not this one's.
    const old = await open(context, 'f12cb4f')
    await stack.api.reset()
    await old.evaluate(() => (window as any).userflux.updateProfile({ fromOld: 1 }))
    await stack.api.waitFor((accepted) => accepted.some((body) => body.properties?.fromOld))
    await sleep(1500)
    expect(await queued(old)).toHaveLength(1)
    expect((await stack.api.accepted()).filter((body) => body.properties?.fromNew)).toEqual([])
    await old.close()
    const next = await open(context, 'now')
    await stack.api.waitFor((accepted) => accepted.some((body) => body.anonymousId == anonymousId && body.properties?.fromNew === 1))
    expect(await queued(next)).toEqual([])
    await context.close()
  })
})
