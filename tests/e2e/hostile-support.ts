/**
 * What the hostile-input tests share: the names an attacker would pick (every `Object.prototype`
 * member, `__proto__`), a prototype snapshot taken in the page before any script of it runs, and one
 * page per case that records page errors, reports and where requests went.
 */
import type { BrowserContext, Page } from 'playwright'
import fc from 'fast-check'
import { ready, WRITE_KEY, type Stack } from './harness.js'

/** Every name inherited by a plain object, and `__proto__`: the ones that broke the host page before. */
export const PROTO_NAMES = ['__proto__', ...Object.getOwnPropertyNames(Object.prototype).filter((name) => name != '__proto__')]

/** Cases per property in `npm test`; `UF_HOSTILE_RUNS` for a longer run. */
export const RUNS = Number(process.env.UF_HOSTILE_RUNS || 6)
/** A seed to replay a failure with (`UF_HOSTILE_SEED`); fast-check prints the one that failed. */
export const SEED = process.env.UF_HOSTILE_SEED ? Number(process.env.UF_HOSTILE_SEED) : undefined
export const runs = { numRuns: RUNS, ...(SEED !== undefined && { seed: SEED }), endOnFailure: true }

/** A name a page could use: an inherited member's, a few ordinary ones, odd text. */
export const hostileName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom('a', 'plan', 'email', 'k_1', 'é', '😀', '', ' ', '0', 'length') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
)

/** An id as found in storage, a cookie, an option or a call: valid ones, inherited names, junk. */
export const hostileId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_NAMES) },
  // Past the 1,024-character id limit (security.test.ts plants a 70 KB one; here it would flood a failure's report).
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\u0000', 'tab\tid', 'x'.repeat(1500), 'José García', 'user-42') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
)

/** A JSON object whose keys are hostile names. */
export const hostileProperties = fc.dictionary(hostileName, fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 10 }), fc.constant(null)), { maxKeys: 6 })

/**
 * Runs in the page before any of its scripts: records the own properties of the built-ins a
 * polluting script would change, and exposes `__ufProtoDiff()`, which lists what changed since.
 */
export function snapshotPrototypes() {
  const targets: [string, object][] = [
    ['Object', Object],
    ['Object.prototype', Object.prototype],
    ['Array.prototype', Array.prototype],
    ['Function.prototype', Function.prototype],
    ['String.prototype', String.prototype],
  ]
  const before = targets.map(([, target]) => new Map(Reflect.ownKeys(target).map((key) => [key, Object.getOwnPropertyDescriptor(target, key)!])))
  ;(window as any).__ufProtoDiff = () => {
    const changes: string[] = []
    targets.forEach(([label, target], i) => {
      const now = Reflect.ownKeys(target)
      for (const key of now) {
        const was = before[i].get(key)
        const is = Object.getOwnPropertyDescriptor(target, key)!
        if (!was) changes.push(`${label} gained ${String(key)}`)
        else if (was.value !== is.value || was.get !== is.get || was.set !== is.set) changes.push(`${label} changed ${String(key)}`)
      }
      for (const key of before[i].keys()) if (!now.includes(key)) changes.push(`${label} lost ${String(key)}`)
    })
    if (Object.getPrototypeOf({}) !== Object.prototype) changes.push('{} has another prototype')
    return changes
  }
}

export interface Watched {
  page: Page
  /** Uncaught errors and unhandled rejections of the page. */
  pageErrors: string[]
  /** What the snippet reported: console.error lines (script tag) and onError calls (ESM, `__ufErrors`). */
  reports(): Promise<string[]>
  /** Every POST the page made, by URL. */
  posts: string[]
}

/** Opens `url` in `context` with the prototype snapshot and `init` (both before any page script). */
export async function openWatched(context: BrowserContext, url: string, init?: { script: string }): Promise<Watched> {
  const page = await context.newPage()
  const pageErrors: string[] = []
  const consoleErrors: string[] = []
  const posts: string[] = []
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  page.on('console', (message) => message.type() == 'error' && consoleErrors.push(message.text()))
  page.on('request', (request) => request.method() == 'POST' && posts.push(request.url()))
  if (init) await page.addInitScript(init.script)
  await page.addInitScript(snapshotPrototypes)
  await page.goto(url)
  return {
    page,
    pageErrors,
    posts,
    async reports() {
      const own = await page.evaluate(() => ((window as any).__ufErrors || []).map((error: { message: string }) => error.message)).catch(() => [])
      return [...consoleErrors, ...own]
    },
  }
}

/**
 * An ESM page whose module creates the client from `createOptions` (a JavaScript expression over
 * `writeKey`, `api` and `onError`), and a script-tag page with `attributes` as its data-*.
 */
export function esmPage(stack: Stack, name: string, createOptions: string) {
  const module = `import { createClient } from 'userflux-snippet'
const writeKey = ${JSON.stringify(WRITE_KEY)}
const api = ${JSON.stringify(stack.api.url)}
window.__ufErrors = []
const onError = (error) => window.__ufErrors.push({ code: error.code, message: error.message })
window.userflux = createClient(${createOptions})
`
  const map = JSON.stringify({ imports: { 'userflux-snippet': '/dist/index.js', ky: '/vendor/ky/index.js', nanoid: '/vendor/nanoid/index.browser.js' } })
  const headers = { 'content-security-policy': `default-src 'self'; script-src 'self' 'unsafe-inline'; connect-src *` }
  stack.serve(`/${name}.js`, module, headers)
  stack.serve(`/${name}.html`, `<!doctype html><meta charset="utf-8"><script type="importmap">${map}</script><script type="module" src="/${name}.js"></script>`, headers)
  return `/${name}.html`
}

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

export function scriptTagPage(stack: Stack, name: string, attributes: Record<string, string>) {
  const data = Object.entries(attributes)
    .map(([attribute, value]) => ` data-${attribute}="${escapeAttribute(value)}"`)
    .join('')
  const headers = { 'content-security-policy': `default-src 'self'; script-src 'self'; connect-src *` }
  stack.serve(`/${name}.html`, `<!doctype html><meta charset="utf-8"><script src="/userflux.min.js"${data}></script>`, headers)
  return `/${name}.html`
}

/** Waits until the client is on window.userflux, then sends `marker` and waits for the flush. */
export async function deliverMarker(watched: Watched, marker: number) {
  await ready(watched.page, 15_000)
  return watched.page.evaluate(async (marker) => {
    const uf = (window as any).userflux
    uf.updateProfile({ marker })
    const result = await uf.flush()
    return { ok: result.ok, error: result.error?.message as string | undefined, anonymousId: uf.anonymousId as string, optedOut: uf.hasOptedOut as boolean }
  }, marker)
}

/**
 * The reports of bad stored values (storage, cookies) made more than once: each must be reported once
 * (SPEC §14). A bad argument is reported at each call, as it should be.
 */
export const repeated = (lines: string[]) => lines.filter((line, i) => /corrupt|cookies named|storage unusable/.test(line) && lines.indexOf(line) != i)
