import { createElement, useEffect } from 'react'
import { renderToString } from 'react-dom/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient, type IdentityState } from '../../src/index.js'
import { UserFluxProvider, UserFluxUser, useUserFlux, useUserFluxIdentity } from '../../src/react/index.js'
import { createDeferred, NO_IDENTITY } from '../../src/react/deferred.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { MemoryStorage } from '../support/memory-storage.js'

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

describe('the buffer before the client exists', () => {
  it('keeps every call, in order, and makes them on the client once it exists', async () => {
    const deferred = createDeferred()
    const uf = deferred._client
    uf.updateProfile({ theme: 'dark' })
    uf.setUser('ada', { plan: 'pro' })
    const flushed = uf.flush()
    uf.updateProfile({ theme: 'light' })
    expect(uf.userId).toBeNull()
    expect(uf.anonymousId).toBe('')
    const fetch = fakeFetch()
    const real = createClient({ writeKey: 'wk', storage: new MemoryStorage(), fetch, flushInterval: 60_000 })
    deferred._attach(real)
    expect(uf.userId).toBe('ada')
    expect(uf.anonymousId).toBe(real.anonymousId)
    // The flush() made before the client existed settles with the client's own result.
    expect(await flushed).toEqual({ ok: true })
    await uf.flush()
    expect(fetch.requests.map((request) => [request.body.userId, request.body.properties])).toEqual([
      [undefined, { theme: 'dark' }],
      // Coalesced with the identify, as the same calls on the client itself would be.
      ['ada', { plan: 'pro', theme: 'light' }],
    ])
  })

  it('subscriptions made before are moved to the client, told once at the switch, and can be undone', async () => {
    const deferred = createDeferred()
    const seen: IdentityState[] = []
    const listener = (state: IdentityState) => seen.push(state)
    const off = deferred._client.subscribe(listener)
    const thrower = deferred._client.subscribe(() => {
      throw new Error('app bug')
    })
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    vi.stubGlobal('document', new EventTarget())
    vi.stubGlobal('addEventListener', () => {})
    const real = createClient({ writeKey: 'wk', storagePrefix: 'react-' + Math.random(), storage: new MemoryStorage(), fetch: fakeFetch() })
    deferred._attach(real)
    expect(seen).toEqual([{ anonymousId: real.anonymousId, userId: null, optedOut: false, consent: 'granted' }])
    expect(error).toHaveBeenCalledTimes(1)
    real.identify('ada')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(seen.at(-1)?.userId).toBe('ada')
    off()
    thrower()
    real.reset()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(seen).toHaveLength(2)
    real.destroy()
  })

  it('the snapshot is the same object until the identity changes', () => {
    const deferred = createDeferred()
    expect(deferred._snapshot()).toBe(NO_IDENTITY)
    const real = createClient({ writeKey: 'wk', storage: new MemoryStorage(), fetch: fakeFetch() })
    deferred._attach(real)
    const first = deferred._snapshot()
    expect(first).not.toBe(NO_IDENTITY)
    expect(deferred._snapshot()).toBe(first)
    real.identify('ada')
    expect(deferred._snapshot()).not.toBe(first)
    expect(deferred._snapshot().userId).toBe('ada')
  })
})

describe('server rendering', () => {
  it('creates no client, touches no storage and shows the empty identity', () => {
    // A server with a global localStorage (Node 25, Deno, Bun): never read.
    const touched = vi.fn()
    vi.stubGlobal('localStorage', new Proxy({}, { get: touched }))
    const storage = new MemoryStorage()
    const fetch = fakeFetch()
    const effects = vi.fn()
    function Child() {
      const uf = useUserFlux()
      const identity = useUserFluxIdentity()
      // Calls while rendering on the server are kept for a client that never comes there.
      uf.updateProfile({ rendered: true })
      useEffect(effects)
      return createElement('p', null, `user=${identity.userId} anon=${identity.anonymousId}`)
    }
    const html = renderToString(
      createElement(UserFluxProvider, { options: { writeKey: 'wk', storage, fetch } }, createElement(UserFluxUser, { id: 'ada', properties: { plan: 'pro' } }), createElement(Child)),
    )
    expect(html).toBe('<p>user=null anon=</p>')
    expect(touched).not.toHaveBeenCalled()
    expect(storage.writes + storage.data.size).toBe(0)
    expect(fetch.requests).toHaveLength(0)
    expect(effects).not.toHaveBeenCalled()
  })

  it('outside a provider: calls go nowhere, said once, and nothing throws', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    let flushed: Promise<unknown> | undefined
    function Lost() {
      const uf = useUserFlux()
      uf.identify('ada')
      uf.reset()
      flushed = uf.flush()
      return null
    }
    renderToString(createElement(Lost))
    expect(await flushed).toEqual({ ok: false, error: expect.objectContaining({ code: 'invalid-argument' }) })
    expect(error.mock.calls).toEqual([['userflux: useUserFlux() outside <UserFluxProvider>: nothing is stored or sent']])
  })
})
