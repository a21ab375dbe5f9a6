/**
 * Thousands of random values (nested, cyclic, exotic prototypes, huge, hostile) thrown at
 * updateProfile and identify in real Chromium: nothing may throw into the page, and every request
 * that reaches the API must be valid JSON of the documented shape within the size limit.
 */
import { expect, it } from 'vitest'
import { BUILDS, inPage, useStack } from './harness.js'

const stack = useStack()

// Runs in the page: builds random values from a seeded PRNG and calls the client with them.
const FUZZ = `
let seed = 424242
const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
const pick = (list) => list[Math.floor(next() * list.length)]
const leaf = () => pick([
  () => Math.floor(next() * 1e6), () => next(), () => NaN, () => Infinity, () => -0, () => 'text ' + next(),
  () => '😀é\\u0000\\ud800', () => true, () => null, () => undefined, () => new Date(next() * 1e13), () => new Date(NaN),
  () => 10n, () => Symbol('s'), () => () => 1, () => new Map([[1, 2]]), () => new Set([1]), () => /re/g,
  () => new Uint8Array(3), () => new (class Custom {})(), () => Object.create(null), () => new Error('e'),
  () => 'x'.repeat(Math.floor(next() * 40000)), () => new Proxy({}, { get() { throw new Error('trap') } }),
  () => ({ toJSON() { return { fromToJSON: true } } }), () => ({ get boom() { throw new Error('getter') } }),
])()
const value = (depth = 0) => {
  const roll = next()
  if (depth > 4 || roll < 0.45) return leaf()
  if (roll < 0.6) return Array.from({ length: Math.floor(next() * 5) }, () => value(depth + 1))
  const object = next() < 0.1 ? Object.create(null) : {}
  for (let i = 0; i < Math.floor(next() * 6); i++) object[pick(['a', 'b', 'c', '__proto__', 'constructor', 'k' + i])] = value(depth + 1)
  if (next() < 0.05) object.self = object
  return object
}
let thrown = 0
for (let i = 0; i < 3000; i++) {
  try {
    const roll = next()
    if (roll < 0.05) uf.identify(pick(['user-' + Math.floor(next() * 3), '', 42, null, undefined, {}, 'x'.repeat(10)]), value())
    else if (roll < 0.07) uf.reset()
    else if (roll < 0.1) uf.updateProfile(value(), pick([undefined, { locationEnrichment: true }, 'junk', null]))
    else uf.updateProfile(value())
  } catch (error) {
    thrown++
  }
}
const { updateProfile } = uf
try { updateProfile({ unbound: true }) } catch { thrown++ }
const result = await uf.flush()
return thrown
`

it.each(BUILDS)('%s build: 3,000 hostile calls throw nothing and send only valid bodies', async (build) => {
  await stack.api.reset()
  const context = await stack.newContext()
  const page = await stack.open(context, { build, options: { flushInterval: 50 } })
  const pageErrors: Error[] = []
  const rejected: string[] = []
  page.on('pageerror', (error) => pageErrors.push(error))
  page.on('console', (message) => message.text().includes('must be') || message.text().includes('not JSON') ? rejected.push(message.text()) : undefined)
  expect(await inPage<number>(page, FUZZ)).toBe(0)
  await stack.api.waitFor((accepted) => accepted.some((body) => body.properties?.unbound) && accepted)
  const { posts } = await stack.api.requests()
  expect(posts.length).toBeGreaterThan(0)
  for (const post of posts) {
    expect(post.status).toBe(204)
    expect(typeof post.body).toBe('object')
    expect(Object.keys(post.body).every((key) => ['userId', 'anonymousId', 'properties', 'deviceData'].includes(key))).toBe(true)
    expect(typeof post.body.anonymousId).toBe('string')
    expect(Object.getPrototypeOf(post.body.properties)).toBe(Object.prototype) // a plain object, not an array
    expect(JSON.stringify(post.body).length).toBeLessThan(64 * 1024)
  }
  expect(pageErrors).toEqual([])
  // Bad input was turned away with a message, and good input got through. The ESM page has an
  // onError, which then gets the reports instead of the console (issue 11).
  if (build == 'esm') rejected.push(...(await page.evaluate(() => window.__ufErrors.map((error) => error.message))).filter((text) => text.includes('must be') || text.includes('not JSON')))
  expect(rejected.length).toBeGreaterThan(300)
  expect(rejected.every((text) => /^userflux: (identify|updateProfile): /.test(text))).toBe(true)
  await context.close()
})
