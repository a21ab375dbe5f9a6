/**
 * Issue 25 case 2: a page closed while its request is on the wire (slow to be applied: the API
 * delays it) releases its send lock, and the next page's newer value of the same key must not land
 * before it, or the older value lands last. The closed page stored its entry as on the wire
 * (`wireUntil`), and no page sends that visitor's key until then. Real Chromium, real localStorage,
 * the local Integration API over loopback (simulated: found case W1).
 */
import { describe, expect, it } from 'vitest'
import { BUILDS, inPage, sleep, useStack } from './harness.js'

const stack = useStack()
const fast = { flushInterval: 50, minRetryDelay: 100, maxRetryDelay: 400 }

describe.each(BUILDS)('a request still on the wire when its page closes (%s build)', (build) => {
  it("the next page's newer value of its key lands after it", async () => {
    const context = await stack.newContext()
    const [a, b] = [await stack.open(context, { build, options: fast }), await stack.open(context, { build, options: fast })]
    await inPage(a, `uf.identify('carol'); await uf.flush()`)
    await stack.api.waitFor((accepted) => accepted.some((body) => body.userId == 'carol'))
    // The next request is applied 4 s after it arrives, whatever happens to the page that sent it.
    await stack.api.faults([{ delayMs: 4000 }])
    await inPage(a, `uf.updateProfile({ plan: 'old' })`)
    await stack.api.waitForPosts((body) => body.properties?.plan == 'old')
    await a.close()
    await inPage(b, `uf.updateProfile({ plan: 'new' })`)
    // Until the old request is surely done (10 s and a millisecond a byte), plan waits (the release
    // before this sent it at once: it arrived second and was applied first); then it goes.
    await sleep(6000)
    expect((await stack.api.requests()).posts.map((post) => post.body?.properties?.plan).filter(Boolean)).toEqual(['old'])
    await stack.api.waitFor((accepted) => accepted.some((body) => body.properties?.plan == 'new'), 20_000)
    expect((await stack.api.profile('carol'))?.properties?.plan).toBe('new')
  })
})
