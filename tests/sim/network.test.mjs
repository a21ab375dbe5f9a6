import { afterEach, describe, expect, test } from 'vitest'
import { fakeWorld } from './fixtures.mjs'
import { KEEPALIVE_QUOTA } from './network.mjs'

let world
afterEach(() => world?.dispose())

/** Starts a fetch from `tab` and records how it ends. */
const send = (tab, init = {}) => {
  const outcome = { done: false }
  tab.window
    .fetch('https://api.test/profile', { method: 'POST', body: JSON.stringify({ anonymousId: 'x', properties: {} }), ...init })
    .then(
      (response) => Object.assign(outcome, { done: true, status: response.status, retryAfter: response.headers.get('retry-after') }),
      (error) => Object.assign(outcome, { done: true, error: error.name }),
    )
  return outcome
}

describe('fetch and the API', () => {
  test('the keepalive quota is per page: a keepalive body that would pass 64 KiB in flight is a TypeError', async () => {
    world = fakeWorld()
    const [a, b] = [await world.open(), await world.open()]
    const big = 'x'.repeat(40 * 1024)
    const first = send(a, { keepalive: true, body: big })
    const second = send(a, { keepalive: true, body: big })
    const other = send(b, { keepalive: true, body: big }) // another page: its own 64 KiB
    const plain = send(a, { body: big }) // not keepalive: not counted
    await world.wait(1000)
    expect(second).toMatchObject({ done: true, error: 'TypeError' })
    expect(first).toMatchObject({ done: true, status: 204 })
    expect(other).toMatchObject({ done: true, status: 204 })
    expect(plain).toMatchObject({ done: true, status: 204 })
    expect(KEEPALIVE_QUOTA).toBe(65536)
    // Answered: the bytes are free again.
    expect(send(a, { keepalive: true, body: big })).toBeDefined()
    await world.wait(1000)
    expect(world.network.requests.at(-1).state).toBe('204')
  })

  test('a keepalive request outlives its page; a plain one is terminated with it', async () => {
    world = fakeWorld()
    world.network.online = true
    const tab = await world.open()
    send(tab, { keepalive: true })
    send(tab)
    await world.close(tab)
    await world.wait(1000)
    const [kept, cut] = world.network.requests
    expect(kept.state).toBe('204')
    expect(cut.state).toMatch(/^terminated/)
    expect(world.server.applied.some((entry) => entry.requestId == kept.id)).toBe(true)
  })

  test('fault modes: 422, 401, 429 with Retry-After, 5xx, network error, offline', async () => {
    world = fakeWorld()
    const tab = await world.open()
    const answers = {}
    for (const mode of ['422', '401', '429', '500', 'network']) {
      await world.setFault(mode)
      answers[mode] = send(tab)
      await world.wait(1000)
    }
    await world.setFault('ok')
    await world.setOnline(false)
    answers.offline = send(tab)
    await world.wait(10)
    expect(answers['422'].status).toBe(422)
    expect(answers['401'].status).toBe(401)
    expect(answers['429']).toMatchObject({ status: 429, retryAfter: '2' })
    expect(answers['500'].status).toBe(503)
    expect(answers.network.error).toBe('TypeError')
    expect(answers.offline.error).toBe('TypeError')
    expect(world.server.applied.length).toBeLessThanOrEqual(1) // only a dropped connection may have been applied
  })

  test('a hung request never answers until aborted (AbortError); a slow uplink takes longer for a bigger body', async () => {
    world = fakeWorld()
    const tab = await world.open()
    await world.setFault('hang')
    const controller = new AbortController()
    const hung = send(tab, { signal: controller.signal })
    await world.wait(600_000)
    expect(hung.done).toBe(false)
    controller.abort()
    await world.wait(0)
    expect(hung.error).toBe('AbortError')
    await world.setFault('slow')
    const small = send(tab, { body: 'x'.repeat(100) })
    const large = send(tab, { body: 'x'.repeat(30_000) })
    await world.wait(1_000)
    expect(small.status).toBe(204)
    expect(large.done).toBe(false)
    await world.wait(12_000) // 30 KB at 20 kbit/s: 12 s
    expect(large.status).toBe(204)
  })

  test('the server applies requests in the order it answers them', async () => {
    world = fakeWorld({ seed: 11 })
    const tab = await world.open()
    for (let i = 1; i <= 8; i++) send(tab, { body: JSON.stringify({ anonymousId: 'v', properties: { k: i } }) })
    await world.wait(1000)
    const order = world.server.applied.map((entry) => entry.update.properties.k)
    const answered = [...world.network.requests].sort((x, y) => x.answeredAt - y.answeredAt || 0).map((r) => JSON.parse(r.body).properties.k)
    expect(order).toEqual(answered)
    expect(order).not.toEqual([1, 2, 3, 4, 5, 6, 7, 8]) // latencies differ: some overtake others
    expect(world.server.store.getAnonymous('v').properties.k).toBe(order.at(-1))
  })
})
