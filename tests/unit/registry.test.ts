import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient, UserFluxError, type Options } from '../../src/index.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { fakeWindow } from '../support/fake-window.js'
import { MemoryStorage } from '../support/memory-storage.js'

let storage: MemoryStorage
let fetch: ReturnType<typeof fakeFetch>
let errors: UserFluxError[]
let page: ReturnType<typeof fakeWindow>
let made: { destroy(): void }[]
const make = (options: Partial<Options> = {}) => {
  const client = createClient({ writeKey: 'wk', endpoint: 'https://api.test', storage, fetch, onError: (e) => errors.push(e), ...options })
  made.push(client)
  return client
}

beforeEach(() => {
  page = fakeWindow()
  storage = new MemoryStorage()
  fetch = fakeFetch()
  errors = []
  made = []
})
afterEach(() => {
  // The registry is the page's: each test leaves it empty for the next.
  for (const client of made) client.destroy()
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('one client per writeKey, endpoint and storagePrefix', () => {
  it('returns the live client for the same three, whatever else is written the same way', () => {
    const first = make({ onError: (e) => errors.push(e) })
    // What StrictMode, HMR or a second import does: the same call again (a new inline onError too).
    expect(make({ onError: (e) => errors.push(e) })).toBe(first)
    expect(make({ endpoint: 'https://api.test///' })).toBe(first)
    expect(make({ storagePrefix: 'other' })).not.toBe(first)
    expect(make({ endpoint: 'https://other.test' })).not.toBe(first)
    expect(make({ writeKey: 'wk2' })).not.toBe(first)
    // A Storage object of its own is another visitor's store: another client.
    expect(make({ storage: new MemoryStorage() })).not.toBe(first)
    expect(errors).toEqual([])
  })

  it('reports options that differ, by name, and keeps the first ones', () => {
    const first = make({ flushInterval: 100 })
    expect(make({ flushInterval: 200, debug: true })).toBe(first)
    expect(make({ flushInterval: 100, debug: undefined })).toBe(first)
    expect(errors.map((error) => error.message)).toEqual([
      "userflux: createClient: options.flushInterval,options.debug ignored: this page's client of this writeKey, endpoint and storagePrefix is returned (destroy() it first)",
    ])
  })

  it('is shared by two copies of the module (one registry on globalThis)', async () => {
    const first = make()
    vi.resetModules()
    const copy = await import('../../src/index.js?copy' as string)
    expect(copy.createClient).not.toBe(createClient)
    expect(copy.createClient({ writeKey: 'wk', endpoint: 'https://api.test', storage, fetch, onError: (e: UserFluxError) => errors.push(e) })).toBe(first)
  })

  it('keys the registry by a Map: outside strings never reach an object prototype', () => {
    make({ writeKey: '__proto__', endpoint: 'constructor', storagePrefix: 'toString' })
    expect(make({ writeKey: '__proto__', endpoint: 'constructor', storagePrefix: 'toString' })).toBe(made[0])
    expect(({} as any).constructor).toBe(Object)
  })

  it('without a writeKey: one inert client, said once however often it is asked for', () => {
    const inert = make({ writeKey: undefined })
    expect(make({ writeKey: '' })).toBe(inert)
    expect(make({ writeKey: undefined })).toBe(inert)
    inert.identify('ada')
    expect(inert.userId).toBeNull()
    expect(storage.writes).toBe(0)
    expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/^userflux: options\.writeKey is required/)])
  })
})

describe('destroy', () => {
  it('releases its listeners, and a new client for the same three is a new one', () => {
    const before = page.listeners
    const first = make()
    expect(page.listeners).toBeGreaterThan(before)
    first.destroy()
    expect(page.listeners).toBe(before)
    expect(make()).not.toBe(first)
  })

  it('leaves what is queued for the next client, which sends it once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
    const first = make({ flushInterval: 50 })
    first.updateProfile({ plan: 'pro' })
    first.destroy()
    await vi.advanceTimersByTimeAsync(1000)
    // Nothing sent by the destroyed client, nothing lost: stored for the next one.
    expect(fetch.requests).toHaveLength(0)
    expect(storage.queued()).toEqual([expect.objectContaining({ properties: { plan: 'pro' } })])
    const next = make({ flushInterval: 50 })
    // No Web Locks in Node: a queue is adopted once it is stale, as a closed tab's (the browser, with
    // Web Locks, adopts it at once: tests/apps/react-vite).
    await vi.advanceTimersByTimeAsync(11 * 60_000)
    expect(storage.queueKeys()).toHaveLength(0)
    next.updateProfile({ seats: 2 })
    await next.flush()
    expect(fetch.requests.map((request) => request.body.properties)).toEqual([{ plan: 'pro' }, { seats: 2 }])
  })

  it("a destroyed client's methods do nothing, say so in debug, and flush() settles", async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const uf = make({ debug: true })
    const listener = vi.fn()
    uf.subscribe(listener)
    uf.destroy()
    uf.destroy()
    uf.identify('ada')
    uf.setUser('bob')
    uf.updateProfile({ plan: 'pro' })
    expect(uf.subscribe(listener)).toBeTypeOf('function')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(await uf.flush()).toEqual({ ok: false, error: expect.objectContaining({ code: 'destroyed' }) })
    expect(listener).not.toHaveBeenCalled()
    expect(uf.userId).toBeNull()
    expect(log.mock.calls.filter(([, message]) => message == 'destroyed, ignored')).toHaveLength(3)
  })

  it('settles a flush() that was waiting', async () => {
    const uf = make({ flushInterval: 60_000 })
    uf.updateProfile({ a: 1 })
    const pending = make({ flushInterval: 60_000, fetch: () => new Promise<Response>(() => {}) }).flush()
    uf.destroy()
    expect(await pending).toEqual({ ok: false, error: expect.objectContaining({ code: 'destroyed' }) })
  })
})
