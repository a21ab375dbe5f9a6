// What survives a page left right after an update, and what five page views with the same identify
// cost in requests. Each on a new browser context, against the sink.
import { newVisitorContext } from './chromium.mjs'
import { openWithSdk } from './sample.mjs'
import { delivered } from './sink.mjs'
import { profileOf, PROFILE, USER } from './workloads.mjs'

const posts = (sink) => sink.requests.filter((request) => request.method != 'OPTIONS')

/**
 * identify(user, a 20-key profile) on a ready page, then at once, in the same task, navigating away
 * (`how` 'navigate'), or closing the tab right after the call returns ('close'). Counts the keys whose
 * value reached the sink then, and after the visitor's next page view (an SDK that kept them sends
 * them then).
 */
export async function leaveSample(browser, site, sink, sdk, how) {
  const context = await newVisitorContext(browser)
  try {
    const { page } = await openWithSdk(context, site, sink, sdk)
    await sink.settle({ quietMs: 500, maxMs: 10_000 })
    sink.reset()
    const evaluation = page.evaluate(
      ([source, user, navigate]) => {
        window.__sdk.identify(user, (0, eval)(source)(1))
        if (navigate) location.href = '/left'
      },
      [PROFILE, USER, how == 'navigate'],
    )
    if (how == 'close') {
      await evaluation
      await page.close({ runBeforeUnload: true })
    } else {
      await evaluation.catch(() => {}) // the navigation may end the evaluation
      await page.waitForURL('**/left').catch(() => {})
      await page.close()
    }
    await sink.settle({ minMs: 2000, quietMs: 1000, maxMs: 15_000 })
    const expected = profileOf(1)
    const atOnce = delivered(posts(sink), expected)
    // The next page view, which may deliver what the last one kept.
    const next = await openWithSdk(context, site, sink, sdk)
    if (sdk.flush) await next.page.evaluate(() => Promise.race([window.__sdk.flush(), new Promise((resolve) => setTimeout(resolve, 10_000))]))
    await sink.settle({ minMs: 1000, quietMs: Math.max(1500, sdk.settleMs ?? 0), maxMs: 30_000 })
    return { atOnce, afterNextView: delivered(posts(sink), expected), keys: Object.keys(expected).length }
  } finally {
    await context.close()
  }
}

/** Five page views of one visitor, each calling identify(user, the same profile): requests sent. */
export async function fiveViews(browser, site, sink, sdk) {
  const context = await newVisitorContext(browser)
  try {
    sink.reset()
    for (let view = 0; view < 5; view++) {
      const { page } = await openWithSdk(context, site, sink, sdk)
      await page.evaluate(([source, user]) => window.__sdk.identify(user, (0, eval)(source)(0)), [PROFILE, USER])
      if (sdk.flush) await page.evaluate(() => Promise.race([window.__sdk.flush(), new Promise((resolve) => setTimeout(resolve, 10_000))]))
      await sink.settle({ quietMs: Math.max(1500, sdk.settleMs ?? 0), maxMs: 30_000 })
      await page.close()
    }
    const sent = posts(sink)
    const keys = Object.keys(profileOf(0))
    return { requests: sent.length, carryingProfile: sent.filter((request) => keys.some((key) => JSON.stringify(request.json ?? null).includes(`"${key}"`))).length }
  } finally {
    await context.close()
  }
}
