/**
 * A seeded, repeatable random mix of updates, reloads and faults (5xx, 429, dropped connections,
 * slow answers). Whatever happens on the way, the server must end with the last value set for
 * every key. Reproduce a run with FAULT_SEED=<seed> npx vitest run tests/e2e/randomized.test.ts
 */
import { expect, it } from 'vitest'
import { inPage, sleep, type Fault, useStack } from './harness.js'

const SEEDS = process.env.FAULT_SEED ? [Number(process.env.FAULT_SEED)] : [20261126, 7]

/** mulberry32: a tiny seeded PRNG. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const FAULTS: Fault[] = [{ status: 500 }, { status: 503, retryAfter: '0' }, { status: 429, retryAfter: '0' }, { status: 408 }, { drop: true }, { delayMs: 150 }]

const stack = useStack()

it.each(SEEDS)('seed %i: the final profile equals the last value set for every key', async (seed) => {
  await stack.api.reset()
  const next = random(seed)
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]
  const options = { flushInterval: 30, minRetryDelay: 50, maxRetryDelay: 300 }
  const context = await stack.newContext()
  let page = await stack.open(context, { build: 'esm', options })
  const expected: Record<string, number> = {}
  await inPage(page, `uf.identify('random-user')`)
  const log: string[] = []
  for (let step = 0; step < 60; step++) {
    const roll = next()
    if (roll < 0.2) {
      const fault = { ...pick(FAULTS), times: 1 + Math.floor(next() * 3) }
      log.push('fault ' + JSON.stringify(fault))
      await stack.api.faults([fault])
    } else if (roll < 0.28) {
      log.push('reload')
      await page.close()
      page = await stack.open(context, { build: 'esm', options })
    } else if (roll < 0.35) {
      const ms = Math.floor(next() * 300)
      log.push('wait ' + ms)
      await sleep(ms)
    } else {
      const update: Record<string, number> = {}
      for (let k = 0; k < 1 + Math.floor(next() * 3); k++) update['k' + Math.floor(next() * 8)] = step
      const locationEnrichment = next() < 0.3
      Object.assign(expected, update)
      log.push(`update ${JSON.stringify(update)}${locationEnrichment ? ' +location' : ''}`)
      await inPage(page, `uf.updateProfile(${JSON.stringify(update)}, { locationEnrichment: ${locationEnrichment} })`)
    }
  }
  const end = Date.now() + 30_000
  let profile: any
  while (Date.now() < end) {
    profile = await stack.api.profile('random-user')
    if (profile && JSON.stringify(sorted(profile.properties)) == JSON.stringify(sorted(expected))) break
    await sleep(100)
  }
  expect(profile?.properties, `seed ${seed}, steps:\n${log.join('\n')}`).toEqual(expected)
  await context.close()
})

const sorted = (object: Record<string, unknown>) => Object.fromEntries(Object.entries(object ?? {}).sort(([a], [b]) => a.localeCompare(b)))
