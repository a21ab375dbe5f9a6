/**
 * Issue 22, SPEC §11: the consent state. Pending keeps every call in memory (nothing stored, nothing
 * sent), `optIn()` delivers it in order under the id the page showed, `optOut()` discards it; a stored
 * choice wins over the page's default; Global Privacy Control means denied.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient, UserFluxError, type Options } from '../../src/index.js'
import { createInertClient } from '../../src/core/inert.js'
import { FakeCookies } from '../support/fake-cookies.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { MemoryStorage } from '../support/memory-storage.js'

let storage: MemoryStorage
let fetch: ReturnType<typeof fakeFetch>
let errors: UserFluxError[]

const make = (options: Partial<Options> = {}) =>
  createClient({ writeKey: 'wk', endpoint: 'https://api.test', storage, fetch, onError: (e) => errors.push(e), ...options })
const run = (ms = 5000) => vi.advanceTimersByTimeAsync(ms)
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
  vi.unstubAllGlobals()
})

describe('pending', () => {
  it('keeps every call in memory: no storage write, no request, identify included', async () => {
    const setItem = vi.spyOn(storage, 'setItem')
    const uf = make({ consent: 'pending' })
    const shown = uf.anonymousId
    uf.updateProfile({ theme: 'dark' })
    uf.identify('user-42', { plan: 'pro' })
    uf.updateProfile({ theme: 'light' })
    await run()
    expect(setItem).not.toHaveBeenCalled()
    expect(storage.writes).toBe(0)
    expect(storage.data.size).toBe(0)
    expect(fetch.requests).toEqual([])
    // What the page sees meanwhile is what it will get.
    expect(uf.consent).toBe('pending')
    expect(uf.hasOptedOut).toBe(false)
    expect(uf.anonymousId).toBe(shown)
    expect(uf.userId).toBe('user-42')
  })

  it('flush() settles with the consent-pending code', async () => {
    const uf = make({ consent: 'pending' })
    uf.updateProfile({ a: 1 })
    const result = await uf.flush()
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error.code).toBe('consent-pending')
    expect(fetch.requests).toEqual([])
  })

  it('optIn() delivers what was kept, coalesced and in order, under the id the page showed, and persists from then on', async () => {
    const uf = make({ consent: 'pending' })
    const shown = uf.anonymousId
    uf.updateProfile({ theme: 'dark' })
    uf.updateProfile({ visits: 1 })
    uf.identify('user-42', { plan: 'pro' })
    uf.updateProfile({ theme: 'light' })
    await run()
    uf.optIn()
    expect(uf.consent).toBe('granted')
    expect(storage.data.get('uf-optOut')).toBe('0')
    expect(storage.data.get('uf-anonymousId')).toBe(shown)
    expect(storage.data.get('uf-userId')).toBe('user-42')
    // Persisted at once: a page closed right after the Accept still delivers them on the next visit.
    expect(storage.queued().map((entry: { properties: object }) => entry.properties)).toEqual([{ theme: 'dark', visits: 1 }, { plan: 'pro', theme: 'light' }])
    expect(await uf.flush()).toEqual({ ok: true })
    expect(bodies()).toEqual([
      { anonymousId: shown, properties: { theme: 'dark', visits: 1 } },
      { userId: 'user-42', anonymousId: shown, properties: { plan: 'pro', theme: 'light' } },
    ])
    uf.updateProfile({ later: true })
    await Promise.resolve()
    expect(storage.queued()).toEqual([expect.objectContaining({ properties: { later: true } })])
  })

  it('optOut() discards what was kept: nothing sent, nothing stored but the choice', async () => {
    const uf = make({ consent: 'pending' })
    uf.identify('user-42', { plan: 'pro' })
    uf.updateProfile({ theme: 'dark' })
    await run()
    uf.optOut()
    await run()
    expect(uf.consent).toBe('denied')
    expect(uf.hasOptedOut).toBe(true)
    expect(await uf.flush()).toEqual({ ok: true })
    expect([...storage.data.keys()]).toEqual(['uf-optOut'])
    // A later optIn() cannot bring the discarded calls back.
    uf.optIn()
    await uf.flush()
    expect(fetch.requests).toEqual([])
  })

  it("optIn() keeps a user stored before (by UserFlux's own SDK, or before the site asked) that this page never read", async () => {
    storage.data.set('uf-userId', 'user-7')
    const uf = make({ consent: 'pending' })
    uf.optIn()
    expect(storage.data.get('uf-userId')).toBe('user-7')
    uf.updateProfile({ a: 1 })
    await uf.flush()
    expect(bodies()).toEqual([{ userId: 'user-7', anonymousId: uf.anonymousId, properties: { a: 1 } }])
  })

  it('a page closed while pending leaves nothing behind', async () => {
    const uf = make({ consent: 'pending' })
    uf.updateProfile({ a: 1 })
    await run()
    const next = make({ consent: 'pending' })
    next.optIn()
    await next.flush()
    expect(fetch.requests).toEqual([])
    expect(next.anonymousId).not.toBe(uf.anonymousId)
  })
})

describe('defaults and stored choices', () => {
  it.each([
    [{}, 'granted'],
    [{ consent: 'granted' }, 'granted'],
    [{ consent: 'denied' }, 'denied'],
    [{ consent: 'pending' }, 'pending'],
    [{ optedOut: true }, 'denied'],
    // The most restrictive reading of two defaults.
    [{ optedOut: true, consent: 'pending' }, 'denied'],
    [{ optedOut: true, consent: 'granted' }, 'denied'],
  ] as const)('%j starts %s', (options, state) => {
    const uf = make(options)
    expect(uf.consent).toBe(state)
    expect(uf.hasOptedOut).toBe(state == 'denied')
  })

  it.each([
    ['0', { consent: 'pending' }, 'granted'],
    ['0', { optedOut: true }, 'granted'],
    ['0', { consent: 'denied' }, 'granted'],
    ['1', { consent: 'granted' }, 'denied'],
    ['1', { consent: 'pending' }, 'denied'],
  ] as const)('a stored choice %s wins over the default %j', async (flag, options, state) => {
    storage.data.set('uf-optOut', flag)
    const uf = make(options)
    expect(uf.consent).toBe(state)
    uf.updateProfile({ a: 1 })
    await run()
    expect(fetch.requests).toHaveLength(state == 'granted' ? 1 : 0)
  })

  it('Global Privacy Control, when respected, means denied unless the visitor opted in', () => {
    vi.stubGlobal('navigator', { globalPrivacyControl: true })
    expect(make({ consent: 'pending', respectGlobalPrivacyControl: true }).consent).toBe('denied')
    expect(make({ respectGlobalPrivacyControl: true }).consent).toBe('denied')
    expect(make({ consent: 'pending' }).consent).toBe('pending')
    storage.data.set('uf-optOut', '0')
    expect(make({ consent: 'pending', respectGlobalPrivacyControl: true }).consent).toBe('granted')
  })

  it('a bad consent option is reported by name and replaced by the default', () => {
    const uf = make({ consent: 'yes' as any })
    expect(uf.consent).toBe('granted')
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('options.consent must be')])
  })

  it('the inert client says pending: nobody was asked', () => {
    expect(createInertClient(new UserFluxError('bot', 'bot')).consent).toBe('pending')
  })
})

describe('across tabs (two clients of one storage, as tabs see it)', () => {
  // Storage events only reach other tabs; within a page the clients tell each other through a
  // window event (storage.ts). A window's events for Node:
  beforeEach(() => {
    const page = new EventTarget()
    vi.stubGlobal('addEventListener', page.addEventListener.bind(page))
    vi.stubGlobal('dispatchEvent', page.dispatchEvent.bind(page))
  })

  it('a grant in one delivers what the other held; its anonymous updates join the stored visitor', async () => {
    const a = make({ consent: 'pending' })
    const b = make({ consent: 'pending' })
    a.updateProfile({ from: 'a' })
    // The ledger orders values across tabs by a clock of milliseconds: B's come later.
    await run(10)
    b.updateProfile({ from: 'b', theme: 'dark' })
    b.identify('bob')
    await run()
    expect(storage.writes).toBe(0)
    a.optIn()
    expect(b.consent).toBe('granted')
    expect(b.anonymousId).toBe(a.anonymousId)
    await run()
    expect(bodies()).toEqual(
      expect.arrayContaining([
        { anonymousId: a.anonymousId, properties: { from: 'a' } },
        { anonymousId: a.anonymousId, properties: { from: 'b', theme: 'dark' } },
        // Identified updates keep the id they were made under (the server links it to the user).
        { userId: 'bob', anonymousId: expect.any(String), properties: {} },
      ]),
    )
    expect(fetch.requests).toHaveLength(3)
    expect(storage.queued()).toEqual([])
  })

  it('a denial in one discards what the other held', async () => {
    const a = make({ consent: 'pending' })
    const b = make({ consent: 'pending' })
    a.updateProfile({ from: 'a' })
    b.updateProfile({ from: 'b' })
    await run()
    a.optOut()
    expect(b.consent).toBe('denied')
    b.optIn()
    await run()
    expect(fetch.requests).toEqual([])
  })

  it('reads the stored choice once per task, and at once after a choice of its own or one another client announced', async () => {
    const a = make()
    const b = make({ storagePrefix: 'uf', writeKey: 'other' })
    // The first call stores the anonymousId, announced: a change, after which the choice is read again.
    a.updateProfile({ first: true })
    await Promise.resolve()
    const getItem = vi.spyOn(storage, 'getItem')
    const flagReads = () => getItem.mock.calls.filter(([key]) => key == 'uf-optOut').length
    for (let i = 0; i < 100; i++) a.updateProfile({ i })
    // At most once for the task (none when a read in its microtasks, after the announcement, still
    // answers), never once per call.
    expect(flagReads()).toBeLessThanOrEqual(1)
    // Another tab's write (its storage event comes in a later task): read by the next task.
    storage.data.set('uf-optOut', '1')
    expect(a.consent).toBe('granted')
    await Promise.resolve()
    expect(a.consent).toBe('denied')
    a.optIn()
    expect(a.consent).toBe('granted')
    expect(b.consent).toBe('granted')
    b.optOut()
    expect(b.consent).toBe('denied')
    expect(a.consent).toBe('denied')
    expect(a.hasOptedOut).toBe(true)
  })
})

describe('with cookieDomain', () => {
  it('pending writes no cookie either; optIn writes the shared ones', async () => {
    const cookies = new FakeCookies('www.example.co.uk')
    vi.stubGlobal('document', Object.assign(cookies, { addEventListener() {}, visibilityState: 'visible' }))
    vi.stubGlobal('location', { hostname: 'www.example.co.uk', protocol: 'https:', search: '' })
    const page = new EventTarget()
    vi.stubGlobal('addEventListener', page.addEventListener.bind(page))
    vi.stubGlobal('dispatchEvent', page.dispatchEvent.bind(page))
    const uf = make({ consent: 'pending', cookieDomain: 'example.co.uk' })
    uf.identify('user-42')
    uf.updateProfile({ a: 1 })
    await run()
    expect(cookies.writes).toEqual([])
    expect(storage.writes).toBe(0)
    uf.optIn()
    expect(cookies.value('uf-anonymousId', 'example.co.uk')).toBe(uf.anonymousId)
    expect(cookies.value('uf-userId', 'example.co.uk')).toBe('user-42')
    expect(cookies.value('uf-optOut', 'example.co.uk')).toBe('0')
  })
})
