import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient, UserFluxError, type IdentityState, type Options } from '../../src/index.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { fakeWindow } from '../support/fake-window.js'
import { MemoryStorage } from '../support/memory-storage.js'

let storage: MemoryStorage
let errors: UserFluxError[]
let page: ReturnType<typeof fakeWindow>
// Each test its own prefix: the registry keeps one client per page and prefix.
let prefix = 0
const make = (options: Partial<Options> = {}) =>
  createClient({ writeKey: 'wk', endpoint: 'https://api.test', storage, storagePrefix: 'sub' + ++prefix, fetch: fakeFetch(), onError: (e) => errors.push(e), ...options })
const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

beforeEach(() => {
  page = fakeWindow()
  storage = new MemoryStorage()
  errors = []
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('subscribe', () => {
  it('tells listeners after each change, once per task, with the final state; not at subscription', async () => {
    const uf = make()
    const seen: IdentityState[] = []
    uf.subscribe((state) => seen.push(state))
    await tick()
    expect(seen).toEqual([])
    uf.identify('ada')
    await tick()
    uf.updateProfile({ plan: 'pro' }) // no change of identity: nobody told
    await tick()
    const adas = uf.anonymousId
    uf.reset() // the user and the anonymous id change: told once, with both
    await tick()
    uf.optOut()
    await tick()
    expect(seen).toEqual([
      { anonymousId: adas, userId: 'ada', optedOut: false, consent: 'granted' },
      { anonymousId: expect.not.stringMatching(adas), userId: null, optedOut: false, consent: 'granted' },
      { anonymousId: expect.any(String), userId: null, optedOut: true, consent: 'denied' },
    ])
  })

  it("hears another client's changes on the same storage (as another tab's)", async () => {
    const a = make()
    const b = make({ storagePrefix: 'sub' + prefix, endpoint: 'https://other.test' })
    const seen: (string | null)[] = []
    b.subscribe((state) => seen.push(state.userId))
    a.identify('ada')
    await tick()
    a.reset()
    await tick()
    expect(seen).toEqual(['ada', null])
  })

  it('unsubscribes; a throwing listener is reported and the others still hear', async () => {
    const uf = make()
    const heard: string[] = []
    uf.subscribe(() => {
      throw new Error('app bug')
    })
    const stop = uf.subscribe(() => heard.push('second'))
    const same = () => heard.push('twice')
    uf.subscribe(same)
    const stopSame = uf.subscribe(same)
    uf.identify('ada')
    await tick()
    stop()
    stopSame()
    uf.reset()
    await tick()
    expect(heard).toEqual(['second', 'twice', 'twice', 'twice'])
    expect(errors.map((error) => [error.code, error.message])).toEqual([
      ['listener', 'userflux: listener threw: Error: app bug'],
      ['listener', 'userflux: listener threw: Error: app bug'],
    ])
  })

  it('is never called on a server (no document)', async () => {
    vi.unstubAllGlobals()
    const uf = createClient({ writeKey: 'wk', storage: 'memory', fetch: fakeFetch() })
    const listener = vi.fn()
    const unsubscribe = uf.subscribe(listener)
    uf.identify('ada')
    uf.reset()
    await tick()
    unsubscribe()
    expect(listener).not.toHaveBeenCalled()
    expect(page.listeners).toBe(0)
  })
})
