import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient, type UserFluxError } from '../../src/index.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { MemoryStorage } from '../support/memory-storage.js'

/**
 * Issue 25 case 2: a keepalive request that may outlive its page (`wireUntil` in the stored entry)
 * holds back every page's sends of its visitor's keys until it is surely done, so that the older
 * value cannot land after a newer one (simulated: found cases W1, F1, F5b).
 */
let storage: MemoryStorage
let fetch: ReturnType<typeof fakeFetch>
const errors: UserFluxError[] = []
const make = () => createClient({ writeKey: 'wk', endpoint: 'https://api.test/', storage, fetch, flushInterval: 10, onError: (e) => errors.push(e) })
const run = (ms: number) => vi.advanceTimersByTimeAsync(ms)

/** A queue another page of this origin wrote: one entry of `anonymousId`, its values stamped `stamp`, its request on the wire until `wireUntil`. */
const onTheWireElsewhere = (anonymousId: string, properties: Record<string, unknown>, wireUntil: number, stamp = 1) =>
  storage.data.set(
    'uf-queue-v1|wk|other-page',
    JSON.stringify({
      version: 1,
      writtenAt: Date.now(),
      endpoint: 'https://api.test/',
      entries: [{ anonymousId, locationEnrichment: false, properties, stamps: Object.keys(properties).map((name) => [name, stamp]), bytes: 10, firstStamp: stamp, wireUntil }],
    }),
  )

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
  storage = new MemoryStorage()
  fetch = fakeFetch()
  errors.length = 0
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('a request that may outlive its page', () => {
  it("holds this page's newer value of its key until it is surely done, then sends it", async () => {
    storage.data.set('uf-anonymousId', 'visitor')
    onTheWireElsewhere('visitor', { plan: 'old' }, Date.now() + 5000)
    const uf = make()
    uf.updateProfile({ plan: 'new' })
    await run(4000)
    expect(fetch.requests).toEqual([])
    await run(2000)
    expect(fetch.requests.map((request) => request.body.properties)).toEqual([{ plan: 'new' }])
  })

  it("holds nothing of another visitor's, nor once its time has passed", async () => {
    storage.data.set('uf-anonymousId', 'visitor')
    onTheWireElsewhere('someone-else', { plan: 'old' }, Date.now() + 5000)
    const uf = make()
    uf.updateProfile({ plan: 'new' })
    await run(100)
    expect(fetch.requests.map((request) => request.body.properties)).toEqual([{ plan: 'new' }])
    onTheWireElsewhere('visitor', { plan: 'old' }, Date.now() - 1)
    uf.updateProfile({ plan: 'newer' })
    await run(100)
    expect(fetch.requests.map((request) => request.body.properties)).toEqual([{ plan: 'new' }, { plan: 'newer' }])
  })

  it("a newer value another page sent, its answer never seen, drops this page's older value of that key (found case B1)", async () => {
    storage.data.set('uf-anonymousId', 'visitor')
    const uf = make()
    uf.updateProfile({ plan: 'older', seats: 2 })
    await run(1) // stored by the end of the task
    const [mine] = storage.queued()
    const stamp = new Map<string, number>(mine.stamps).get('plan')!
    // Another tab set plan a moment later and sent it as it was left (cached): whether it landed,
    // nothing says; its queue still holds it, with its mark (passed).
    onTheWireElsewhere('visitor', { plan: 'newer' }, Date.now() - 1, stamp + 1)
    await run(100)
    expect(fetch.requests.map((request) => request.body.properties)).toEqual([{ seats: 2 }])
  })

  it('a mark further ahead than any request may take means the clock went back: it holds nothing', async () => {
    storage.data.set('uf-anonymousId', 'visitor')
    onTheWireElsewhere('visitor', { plan: 'old' }, Date.now() + 86_400_000)
    const uf = make()
    uf.updateProfile({ plan: 'new' })
    await run(100)
    expect(fetch.requests.map((request) => request.body.properties)).toEqual([{ plan: 'new' }])
  })

  it('a small body sent while the page lives is stored as on the wire until its answer', async () => {
    const inner = fakeFetch()
    const stored: unknown[] = []
    const queued = () => JSON.parse([...storage.data].find(([key]) => key.startsWith('uf-queue-v1|wk|'))?.[1] ?? '{"entries":[]}').entries
    // What storage holds at the moment the request leaves.
    fetch = Object.assign(((input, init) => (stored.push(queued()[0]?.wireUntil), inner(input, init))) as typeof globalThis.fetch, { requests: inner.requests, answers: inner.answers, statuses: inner.statuses })
    const uf = make()
    uf.updateProfile({ plan: 'pro' })
    await run(100)
    expect(inner.requests.map((request) => request.keepalive)).toEqual([true])
    expect(stored[0]).toBeGreaterThan(Date.now())
    // Answered: the entry is gone, with its mark.
    expect(queued()).toEqual([])
  })
})
