import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient, UserFluxError, type Options } from '../../src/index.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { MemoryStorage } from '../support/memory-storage.js'

let storage: MemoryStorage
let fetch: ReturnType<typeof fakeFetch>
let errors: UserFluxError[]

const make = (options: Partial<Options> = {}) => createClient({ writeKey: 'wk', endpoint: 'https://api.test', storage, fetch, onError: (e) => errors.push(e), ...options })
const bodies = () => fetch.requests.map((request) => request.body)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
  storage = new MemoryStorage()
  fetch = fakeFetch()
  errors = []
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('setUser', () => {
  it('null while anonymous: nothing sent, the anonymousId stays', async () => {
    const uf = make()
    const id = uf.anonymousId
    for (let i = 0; i < 3; i++) uf.setUser(null), uf.setUser(undefined)
    await uf.flush()
    expect(uf.anonymousId).toBe(id)
    expect(fetch.requests).toHaveLength(0)
  })

  it('a user: identify; the same user again sends only the values that changed', async () => {
    const uf = make()
    uf.setUser('ada', { plan: 'pro', seats: 2 })
    await uf.flush()
    // What a component calling it on every render does.
    for (let i = 0; i < 5; i++) uf.setUser('ada', { plan: 'pro', seats: 2 })
    uf.setUser('ada')
    await uf.flush()
    uf.setUser('ada', { plan: 'team', seats: 2 })
    await uf.flush()
    expect(bodies()).toEqual([
      { userId: 'ada', anonymousId: uf.anonymousId, properties: { plan: 'pro', seats: 2 } },
      { userId: 'ada', anonymousId: uf.anonymousId, properties: { plan: 'team' } },
    ])
  })

  it('a page that called identify and updateProfile, then setUser for the first time: nothing sent again', async () => {
    // What identify and updateProfile queued counts as queued for setUser too, and what was
    // delivered is skipped by the record of delivered values as well.
    const uf = make()
    uf.identify('ada', { plan: 'pro' })
    uf.updateProfile({ theme: 'dark' })
    await uf.flush()
    uf.setUser('ada', { plan: 'pro', theme: 'dark' })
    await uf.flush()
    for (let i = 0; i < 3; i++) uf.setUser('ada', { plan: 'pro', theme: 'dark' })
    await uf.flush()
    expect(bodies()).toEqual([{ userId: 'ada', anonymousId: uf.anonymousId, properties: { plan: 'pro', theme: 'dark' } }])
  })

  it('compares with what this page queued by any method, and undefined values are dropped', async () => {
    const uf = make()
    uf.setUser('ada')
    uf.updateProfile({ theme: 'dark', nested: { a: [1, 2] } })
    await uf.flush()
    uf.setUser('ada', { theme: 'dark', nested: { a: [1, 2] }, plan: undefined })
    await uf.flush()
    // One request (identify and updateProfile coalesced), and nothing for the second setUser.
    expect(bodies()).toHaveLength(1)
    uf.setUser('ada', { theme: 'dark', nested: { a: [1, 3] } })
    await uf.flush()
    expect(bodies()[1]).toEqual({ userId: 'ada', anonymousId: uf.anonymousId, properties: { nested: { a: [1, 3] } } })
  })

  it('null after a user resets; another user resets, then identifies', async () => {
    const uf = make()
    uf.setUser('ada', { plan: 'pro' })
    const adas = uf.anonymousId
    uf.setUser('bob', { plan: 'free' })
    const bobs = uf.anonymousId
    uf.setUser(null)
    await uf.flush()
    expect(bobs).not.toBe(adas)
    expect(uf.anonymousId).not.toBe(bobs)
    expect(uf.userId).toBeNull()
    expect(bodies()).toEqual([
      { userId: 'ada', anonymousId: adas, properties: { plan: 'pro' } },
      { userId: 'bob', anonymousId: bobs, properties: { plan: 'free' } },
    ])
  })

  it('a user signed in again after a logout sends what it sets again (a new visitor)', async () => {
    const uf = make()
    uf.setUser('ada', { plan: 'pro' })
    uf.setUser(null)
    uf.setUser('ada', { plan: 'pro' })
    await uf.flush()
    expect(bodies().map((body) => body.properties)).toEqual([{ plan: 'pro' }, { plan: 'pro' }])
  })

  it('a stored user (an earlier page) is the same user: only properties are sent, no reset', async () => {
    make().identify('ada')
    await vi.advanceTimersByTimeAsync(2000)
    const uf = make()
    const id = uf.anonymousId
    uf.setUser('ada')
    uf.setUser('ada', { plan: 'pro' })
    await uf.flush()
    expect(uf.anonymousId).toBe(id)
    expect(bodies().slice(1)).toEqual([{ userId: 'ada', anonymousId: id, properties: { plan: 'pro' } }])
  })

  it('reports bad arguments and never throws', async () => {
    const uf = make()
    uf.setUser(42 as any)
    uf.setUser('ada')
    uf.setUser('ada', { f: () => 1 } as any)
    uf.setUser('ada', 'plan' as any)
    await uf.flush()
    expect(errors.map((error) => error.message)).toEqual([
      'userflux: identify: userId must be a non-empty string of at most 1024 characters without control characters',
      'userflux: setUser: "f" in properties is Function, not JSON',
      'userflux: setUser: properties must be a plain object, got String',
    ])
    expect(bodies()).toHaveLength(1)
  })

  it('keeps `__proto__` an ordinary key when it filters', async () => {
    const uf = make()
    uf.setUser('ada', { a: 1 })
    uf.setUser('ada', JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'))
    await uf.flush()
    expect(({} as any).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(bodies()[1]?.properties ?? {})).toBe(Object.prototype)
  })

  it('does nothing after an opt-out', async () => {
    const uf = make()
    uf.optOut()
    uf.setUser('ada', { plan: 'pro' })
    await uf.flush()
    expect(fetch.requests).toHaveLength(0)
    expect(uf.userId).toBeNull()
  })
})
