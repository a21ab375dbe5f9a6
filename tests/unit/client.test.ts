import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient, UserFluxError, type Options } from '../../src/index.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { FakeLocks } from '../support/fake-locks.js'
import fc from '../support/property.js'
import { MemoryStorage } from '../support/memory-storage.js'

let storage: MemoryStorage
let fetch: ReturnType<typeof fakeFetch>
let errors: UserFluxError[]

const make = (options: Partial<Options> = {}) =>
  createClient({ writeKey: 'wk', endpoint: 'https://api.test/', storage, fetch, onError: (e) => errors.push(e), ...options })

/** Lets timers and the fake network run until nothing is left to do within `ms`. */
const run = (ms = 1000) => vi.advanceTimersByTimeAsync(ms)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
  vi.spyOn(console, 'error').mockImplementation(() => {})
  storage = new MemoryStorage()
  fetch = fakeFetch()
  errors = []
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('createClient', () => {
  // Setup mistakes (no writeKey, bad options) are tested in setup.test.ts: they never throw.
  it('tolerates trailing slashes in endpoint', async () => {
    const uf = make({ endpoint: 'https://proxy.test/uf///' })
    uf.updateProfile({ a: 1 })
    await uf.flush()
    expect(fetch.requests[0].url).toBe('https://proxy.test/uf/profile?locationEnrichment=false')
  })
})

describe('wire format', () => {
  it('coalesces a burst into one request of the documented shape', async () => {
    const uf = make()
    for (let i = 0; i < 100; i++) uf.updateProfile({ ['k' + i]: i, last: i })
    await run(999)
    expect(fetch.requests).toHaveLength(0)
    await run(1)
    expect(fetch.requests).toHaveLength(1)
    const [request] = fetch.requests
    expect(request.url).toBe('https://api.test/profile?locationEnrichment=false')
    expect(request.method).toBe('POST')
    expect(request.headers.authorization).toBe('Bearer wk')
    expect(request.headers['content-type']).toBe('application/json')
    expect(request.body).toEqual({ anonymousId: uf.anonymousId, properties: expect.objectContaining({ k0: 0, k99: 99, last: 99 }) })
    expect(Object.keys(request.body.properties)).toHaveLength(101)
    expect(request.body).not.toHaveProperty('userId')
  })

  it('persists a burst with one storage write', async () => {
    const uf = make()
    uf.anonymousId
    const before = storage.writes
    for (let i = 0; i < 1000; i++) uf.updateProfile({ i })
    await Promise.resolve()
    expect(storage.writes - before).toBe(1)
    expect(storage.queued()).toEqual([expect.objectContaining({ properties: { i: 999 } })])
  })

  it('keeps call order across identities and enrichment flags', async () => {
    const uf = make()
    uf.updateProfile({ a: 1 })
    uf.updateProfile({ b: 2 }, { locationEnrichment: true })
    uf.updateProfile({ a: 3 })
    await uf.flush()
    expect(fetch.requests.map((r) => [r.url.endsWith('true'), r.body.properties])).toEqual([
      [false, { a: 1 }],
      [true, { b: 2 }],
      [false, { a: 3 }],
    ])
  })

  it('uses the locationEnrichment option by default', async () => {
    const uf = make({ locationEnrichment: true })
    uf.updateProfile({ a: 1 })
    await uf.flush()
    expect(fetch.requests[0].url).toBe('https://api.test/profile?locationEnrichment=true')
  })
})

describe('identity', () => {
  it('creates, persists and adopts the anonymousId under uf-anonymousId', () => {
    const id = make().anonymousId
    expect(id).toMatch(/^[\w-]{21}$/)
    expect(storage.data.get('uf-anonymousId')).toBe(id)
    expect(make().anonymousId).toBe(id)
    storage.data.set('uf-anonymousId', 'from-userflux-sdk')
    expect(make().anonymousId).toBe('from-userflux-sdk')
  })

  it('identify sends userId and anonymousId even without properties, once per user', async () => {
    const uf = make()
    uf.identify('user-42')
    await uf.flush()
    uf.identify('user-42')
    await uf.flush()
    uf.identify('user-42', { plan: 'pro' })
    await uf.flush()
    expect(fetch.requests.map((r) => r.body)).toEqual([
      { userId: 'user-42', anonymousId: uf.anonymousId, properties: {} },
      { userId: 'user-42', anonymousId: uf.anonymousId, properties: { plan: 'pro' } },
    ])
    expect(storage.data.get('uf-userId')).toBe('user-42')
    expect(make().userId).toBe('user-42')
  })

  it('reset delivers what was queued under the old identity, then starts a new one', async () => {
    const uf = make()
    uf.identify('alice', { theme: 'dark' })
    const old = uf.anonymousId
    uf.reset()
    uf.updateProfile({ theme: 'light' })
    expect(uf.userId).toBeNull()
    expect(uf.anonymousId).not.toBe(old)
    expect(storage.data.get('uf-anonymousId')).toBe(uf.anonymousId)
    expect(storage.data.has('uf-userId')).toBe(false)
    await uf.flush()
    expect(fetch.requests.map((r) => r.body)).toEqual([
      { userId: 'alice', anonymousId: old, properties: { theme: 'dark' } },
      { anonymousId: uf.anonymousId, properties: { theme: 'light' } },
    ])
  })

  it('identifying a different user resets first: two people never share an anonymousId', async () => {
    const uf = make()
    uf.identify('alice')
    const alices = uf.anonymousId
    uf.identify('bob')
    await uf.flush()
    expect(fetch.requests.map((r) => [r.body.userId, r.body.anonymousId])).toEqual([
      ['alice', alices],
      ['bob', uf.anonymousId],
    ])
    expect(uf.anonymousId).not.toBe(alices)
  })

  it('replaces a corrupt (blank) id, reporting it', () => {
    storage.data.set('uf-anonymousId', ' \n ')
    const fresh = make().anonymousId
    expect(fresh).toMatch(/^[\w-]{21}$/)
    expect(storage.data.get('uf-anonymousId')).toBe(fresh)
    expect(errors.map((e) => e.code)).toEqual(['storage'])
  })

  /** Storage events of other tabs, delivered to the clients' listeners (as the browser does, a moment after the write). */
  const otherTabs = () => {
    const listeners: [string, (event: unknown) => void][] = []
    vi.stubGlobal('addEventListener', (type: string, listener: (event: unknown) => void) => listeners.push([type, listener]))
    vi.stubGlobal('dispatchEvent', () => true)
    return (key: string, newValue: string | null) => {
      newValue == null ? storage.data.delete(key) : storage.data.set(key, newValue)
      return () => listeners.forEach(([type, listener]) => type == 'storage' && listener({ storageArea: storage, key, newValue }))
    }
  }

  it('gives way to an id another tab wrote at the same moment, and queued updates follow it', async () => {
    const write = otherTabs()
    const uf = make()
    uf.updateProfile({ a: 1 })
    const mine = uf.anonymousId
    const event = write('uf-anonymousId', 'other-tabs-id') // the other tab's write landed last
    // Read before its event comes, the other id could be a reset's as well: this page keeps its own.
    expect(uf.anonymousId).toBe(mine)
    event()
    await uf.flush()
    expect(fetch.requests[0].body.anonymousId).toBe('other-tabs-id')
    expect(uf.anonymousId).toBe('other-tabs-id')
    expect(mine).not.toBe('other-tabs-id')
    // Once settled, a later change (another tab's reset) no longer rewrites this tab's identity.
    await run(5000)
    storage.data.set('uf-anonymousId', 'after-reset-elsewhere')
    expect(uf.anonymousId).toBe('other-tabs-id')
    vi.unstubAllGlobals()
  })

  it("a reset in another tab read before its events came: the old visitor's queued update stays theirs (found case R1)", async () => {
    const write = otherTabs()
    const uf = make()
    uf.updateProfile({ a: 1 })
    const mine = uf.anonymousId
    // The other tab's reset: the old id removed, then a new one written, in one task.
    const removed = write('uf-anonymousId', null)
    const written = write('uf-anonymousId', 'after-reset-elsewhere')
    uf.updateProfile({ a: 2 })
    removed()
    written()
    await uf.flush()
    expect(fetch.requests.map((request) => [request.body.anonymousId, request.body.properties])).toEqual([[mine, { a: 2 }]])
    expect(uf.anonymousId).toBe('after-reset-elsewhere')
    vi.unstubAllGlobals()
  })

  it("a user storage cannot take gets an anonymousId of its own: another tab, seeing no user, may link the stored one (found case D1)", async () => {
    storage.data.set('uf-anonymousId', 'shared-id')
    const uf = make()
    uf.updateProfile({ before: 1 })
    await uf.flush()
    // Storage full from here on: the userId cannot be stored, so no other tab can see alice.
    vi.spyOn(storage, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError')
    })
    uf.identify('alice')
    await uf.flush()
    const link = fetch.requests.at(-1)!.body
    expect(link.userId).toBe('alice')
    expect(link.anonymousId).not.toBe('shared-id')
    expect(uf.anonymousId).toBe(link.anonymousId)
    // What came before stays the shared visitor's.
    expect(fetch.requests[0].body).toMatchObject({ anonymousId: 'shared-id', properties: { before: 1 } })
  })

  it('does not mint a second anonymousId when the stored one is unreadable for a moment', async () => {
    storage.data.set('uf-anonymousId', 'stored-id')
    const uf = make()
    // The call comes in a later task, which reads the opt-out flag again (once per task, consent.ts).
    await Promise.resolve()
    storage.failReads = 3 // the opt-out flag, the userId, the anonymousId
    uf.updateProfile({ a: 1 })
    await uf.flush()
    expect(fetch.requests[0].body.anonymousId).toBe('stored-id')
    expect(uf.anonymousId).toBe('stored-id')
  })
})

describe('delivery', () => {
  it('flush resolves ok once accepted and removes the update from storage', async () => {
    const uf = make()
    uf.updateProfile({ a: 1 })
    await expect(uf.flush()).resolves.toEqual({ ok: true })
    await Promise.resolve()
    expect(storage.queued()).toEqual([])
  })

  it('retries 5xx, 408, 429 and network errors with backoff, keeping the update persisted', async () => {
    fetch.answers.push(503, 408, { status: 429, headers: { 'retry-after': '30' } }, new TypeError('Failed to fetch'))
    vi.spyOn(Math, 'random').mockReturnValue(0.999) // the whole nominal delay: 1 s, 2 s, (30 s asked), 8 s
    const uf = make()
    uf.updateProfile({ a: 1 })
    const result = await uf.flush()
    expect(result).toMatchObject({ ok: false, error: { code: 'retrying', status: 503 } })
    expect(storage.queued()).toHaveLength(1)
    await run(1000) // first retry within min(1000)
    expect(fetch.requests).toHaveLength(2)
    await run(2000)
    expect(fetch.requests).toHaveLength(3)
    await run(29_000)
    expect(fetch.requests).toHaveLength(3) // Retry-After: 30 s is honoured
    await run(1000)
    expect(fetch.requests).toHaveLength(4)
    await run(8000)
    expect(fetch.requests).toHaveLength(5)
    expect(storage.queued()).toEqual([])
    // A single failure stays quiet; a streak of three is reported once (issue 12 case 7).
    expect(errors.map((e) => [e.code, e.status])).toEqual([['retrying', 429]])
  })

  it('flush during backoff does not hammer the API', async () => {
    fetch.answers.push(500)
    const uf = make()
    uf.updateProfile({ a: 1 })
    await uf.flush()
    for (let i = 0; i < 10; i++) expect(await uf.flush()).toMatchObject({ ok: false })
    expect(fetch.requests).toHaveLength(1)
  })

  it('flush() during a backoff says when the next try is due (retryAt); called once it is due, it is that try, even before the retry timer ran', async () => {
    fetch.answers.push(500)
    const uf = make({ minRetryDelay: 1000, maxRetryDelay: 1000 })
    uf.updateProfile({ a: 1 })
    await uf.flush()
    const during = await uf.flush()
    expect(during).toMatchObject({ ok: false, retryAt: expect.any(Number) })
    const retryAt = (during as { retryAt: number }).retryAt
    expect(retryAt).toBeGreaterThan(Date.now())
    // The clock reaches retryAt, and the app's own timer runs first: the backoff is over for it.
    vi.setSystemTime(retryAt)
    expect(await uf.flush()).toEqual({ ok: true })
    expect(fetch.requests).toHaveLength(2)
  })

  it('drops and reports a permanent 4xx, and goes on with the rest', async () => {
    fetch.answers.push({ status: 400, body: JSON.stringify({ error: 'bad_request', message: 'properties must be an object' }) })
    const uf = make()
    uf.updateProfile({ a: 1 })
    uf.updateProfile({ b: 2 }, { locationEnrichment: true })
    await uf.flush()
    await uf.flush()
    expect(fetch.requests).toHaveLength(2)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ code: 'rejected', status: 400 })
    expect(errors[0].message).toMatch(/rejected \(400: .*properties must be an object.*\): update dropped/)
    expect(storage.queued()).toEqual([])
  })

  it.each([401, 403])('pauses on %i for the page, reports once and keeps the data', async (status) => {
    fetch.answers.push(status)
    const uf = make()
    uf.updateProfile({ a: 1 })
    expect(await uf.flush()).toMatchObject({ ok: false, error: { code: 'unauthorized', status } })
    uf.updateProfile({ b: 2 })
    await run(120_000)
    expect(await uf.flush()).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    expect(fetch.requests).toHaveLength(1)
    expect(errors.map((e) => e.code)).toEqual(['unauthorized'])
    // Kept, and handed over: persisted where another page (its key fixed meanwhile) can adopt them.
    expect(storage.queued().map((entry) => entry.properties)).toEqual([{ a: 1 }, { b: 2 }])
  })

  it('a new page adopts what an abandoned page left (after the staleness wait, without Web Locks)', async () => {
    fetch.answers.push(new TypeError('offline'))
    const first = make()
    first.updateProfile({ left: 'behind' })
    await first.flush()
    make() // a page right after: the first may still be alive, so it keeps its hands off
    await run(1000)
    vi.setSystemTime(Date.now() + 11 * 60_000)
    const next = make()
    expect(await next.flush()).toEqual({ ok: true })
    expect(fetch.requests.at(-1)!.body.properties).toEqual({ left: 'behind' })
  })

  it('drops the oldest update past maxQueueSize and reports it', async () => {
    const uf = make({ maxQueueSize: 2 })
    uf.updateProfile({ a: 1 })
    uf.updateProfile({ b: 1 }, { locationEnrichment: true })
    uf.updateProfile({ c: 1 })
    expect(errors.map((e) => e.code)).toEqual(['queue-full'])
    await uf.flush()
    expect(fetch.requests.map((r) => r.body.properties)).toEqual([{ b: 1 }, { c: 1 }])
  })
})

describe('never throws into the page', () => {
  it('rejects bad input with a message naming the argument, queueing nothing', async () => {
    const uf = make()
    uf.updateProfile('x' as any)
    uf.identify(42 as any)
    uf.identify('ok', { f: () => 1 } as any)
    uf.updateProfile({ n: NaN })
    await uf.flush()
    expect(errors.map((e) => e.message)).toEqual([
      'userflux: updateProfile: properties must be a plain object, got String',
      // The userId rule now also refuses control characters and ids over 1,024 characters (SPEC §14), and says so.
      'userflux: identify: userId must be a non-empty string of at most 1024 characters without control characters',
      'userflux: identify: "f" in properties is Function, not JSON',
      'userflux: updateProfile: "n" in properties is NaN, not JSON',
    ])
    expect(fetch.requests).toHaveLength(0)
    expect(uf.userId).toBeNull()
  })

  it('survives a throwing onError', () => {
    const uf = make({ onError: () => { throw new Error('host bug') } })
    expect(() => uf.updateProfile(null as any)).not.toThrow()
  })

  it('keeps working in memory when storage is full, reporting once', async () => {
    storage.failWrites = true
    const uf = make()
    for (let i = 0; i < 5; i++) uf.updateProfile({ i })
    await run(0)
    uf.identify('u')
    expect(await uf.flush()).toEqual({ ok: true })
    expect(fetch.requests.map((r) => r.body.properties)).toEqual([{ i: 4 }, {}])
    expect(errors.map((e) => e.code)).toEqual(['storage'])
  })
})

describe('privacy', () => {
  it('sends and stores nothing but the flag while opted out', async () => {
    const uf = make({ optedOut: true })
    uf.identify('u', { a: 1 })
    uf.updateProfile({ b: 2 })
    await uf.flush()
    expect(fetch.requests).toHaveLength(0)
    expect([...storage.data.keys()]).toEqual([])
    uf.optIn()
    expect(storage.data.get('uf-optOut')).toBe('0')
    uf.updateProfile({ c: 3 })
    await uf.flush()
    expect(fetch.requests.map((r) => r.body.properties)).toEqual([{ c: 3 }])
    uf.updateProfile({ d: 4 })
    uf.optOut()
    await uf.flush()
    expect(fetch.requests).toHaveLength(1)
    expect([...storage.data.keys()]).toEqual(['uf-optOut'])
    expect(uf.hasOptedOut).toBe(true)
  })
})

describe('persisted state v1 (SPEC §13)', () => {
  it('queues under <prefix>-queue-v1|<encoded writeKey>|<page>, the record of deliveries under <prefix>-delivered-v1|<encoded writeKey>', async () => {
    const uf = make({ writeKey: 'w k/1' })
    uf.updateProfile({ a: 1 })
    await Promise.resolve()
    const queues = [...storage.data.keys()].filter((key) => key.includes('-queue-'))
    expect(queues).toEqual([expect.stringMatching(/^uf-queue-v1\|w%20k%2F1\|[\w-]{10}$/)])
    expect(JSON.parse(storage.data.get(queues[0])!)).toMatchObject({ version: 1, endpoint: 'https://api.test', entries: [{ properties: { a: 1 } }] })
    await uf.flush()
    expect(JSON.parse(storage.data.get('uf-delivered-v1|w%20k%2F1')!)).toMatchObject({ version: 1, rows: [[uf.anonymousId, 'a', expect.any(Number), expect.any(String), Date.now()]] })
  })

  it('adopts what both earlier releases left under any endpoint, keeps other keys’ queues, and leaves newer formats alone', async () => {
    const old = Date.now() - 11 * 60_000
    const mine = (endpoint: string) => encodeURIComponent('wk@' + endpoint)
    // f12cb4f: encoded writeKey@endpoint, '|' and the page; 1ce75f7: writeKey@endpoint, ':' and the page.
    storage.data.set(`uf-queue-${mine('https://old.example')}|p1`, JSON.stringify({ t: old, q: [{ a: 'visitor', l: false, p: { from: 'f12cb4f' }, t: { from: 2 }, n: 19, s: 2 }] }))
    storage.data.set('uf-queue-wk@https://api.test:p0', JSON.stringify({ t: old, q: [{ u: 'alice', a: 'visitor', l: false, p: { from: '1ce75f7' }, n: 19 }] }))
    const others = JSON.stringify({ version: 1, writtenAt: old, endpoint: 'https://api.test', entries: [{ anonymousId: 'x', locationEnrichment: false, properties: { secret: 1 }, stamps: [['secret', 1]], bytes: 12, firstStamp: 1 }] })
    storage.data.set('uf-queue-v1|another-key|p2', others)
    const newer = JSON.stringify({ version: 2, writtenAt: old, entries: [] })
    storage.data.set('uf-queue-v1|wk|p3', newer)
    const uf = make()
    expect(await uf.flush()).toEqual({ ok: true })
    expect(fetch.requests.map((request) => [request.headers.authorization, request.body])).toEqual([
      ['Bearer wk', { userId: 'alice', anonymousId: 'visitor', properties: { from: '1ce75f7' } }],
      ['Bearer wk', { anonymousId: 'visitor', properties: { from: 'f12cb4f' } }],
    ])
    expect(storage.data.get('uf-queue-v1|another-key|p2')).toBe(others)
    expect(storage.data.get('uf-queue-v1|wk|p3')).toBe(newer)
    expect(storage.data.has(`uf-queue-${mine('https://old.example')}|p1`)).toBe(false)
    expect(storage.data.has('uf-queue-wk@https://api.test:p0')).toBe(false)
    expect(errors).toEqual([])
  })

  it('forgets another write key’s queue untouched for more than 30 days', () => {
    const queue = (at: number) => JSON.stringify({ version: 1, writtenAt: at, endpoint: 'e', entries: [] })
    storage.data.set('uf-queue-v1|gone|p', queue(Date.now() - 31 * 86_400_000))
    storage.data.set('uf-queue-v1|recent|p', queue(Date.now() - 29 * 86_400_000))
    make()
    expect(storage.data.has('uf-queue-v1|gone|p')).toBe(false)
    expect(storage.data.has('uf-queue-v1|recent|p')).toBe(true)
  })
})

describe('values delivered already are not sent again (resendAfter)', () => {
  it('within resendAfter, the same value of a key is left out; a new value, another key, or later, goes', async () => {
    const uf = make({ resendAfter: 60_000 })
    uf.updateProfile({ plan: 'pro', seats: 2 })
    await uf.flush()
    uf.updateProfile({ plan: 'pro' })
    await uf.flush()
    uf.updateProfile({ plan: 'pro', seats: 3, theme: 'dark' })
    await uf.flush()
    await run(60_000)
    uf.updateProfile({ plan: 'pro' })
    await uf.flush()
    expect(fetch.requests.map((request) => request.body.properties)).toEqual([{ plan: 'pro', seats: 2 }, { seats: 3, theme: 'dark' }, { plan: 'pro' }])
  })

  it('never while another value of the key waits: the last value wins on the server', async () => {
    const uf = make({ resendAfter: 60_000 })
    uf.updateProfile({ plan: 'pro' })
    await uf.flush()
    fetch.answers.push(503)
    uf.updateProfile({ plan: 'basic' }, { locationEnrichment: true })
    // 'pro' was delivered, but 'basic' waits (and fails once): 'pro' must follow it, or 'basic' would win.
    uf.updateProfile({ plan: 'pro' })
    await run(5000)
    expect(fetch.requests.map((request) => [request.url.endsWith('true'), request.body.properties])).toEqual([
      [false, { plan: 'pro' }],
      [true, { plan: 'basic' }],
      [true, { plan: 'basic' }],
      [false, { plan: 'pro' }],
    ])
  })

  // Unit finding 5: still failing after 624ae80 (see /work/unit-findings.md, "FINDING 5, again").
  it('FINDING 5: nor while another tab holds a different value of the key: the last value set wins on the server (SPEC §5)', async () => {
    // Two tabs of one origin: two clients of one write key on one storage (each its own queue).
    const a = make({ resendAfter: 60_000 })
    const b = make({ resendAfter: 60_000, flushInterval: 60_000 })
    a.updateProfile({ plan: 'pro' })
    await a.flush()
    b.updateProfile({ plan: 'basic' }) // waits in tab b (its flush interval, or the network)
    a.updateProfile({ plan: 'pro' }) // the last value set, in tab a
    await a.flush()
    await b.flush()
    const plans = fetch.requests.filter((request) => 'plan' in request.body.properties).map((request) => request.body.properties.plan)
    expect(new Set(fetch.requests.map((request) => request.body.anonymousId))).toEqual(new Set([a.anonymousId]))
    expect(plans.at(-1)).toBe('pro')
  })

  it('an identified update whose values were all delivered is not sent: only the link of identify() always goes', async () => {
    const uf = make({ resendAfter: 60_000 })
    uf.identify('alice')
    uf.updateProfile({ plan: 'pro' })
    await uf.flush()
    uf.updateProfile({ plan: 'pro' })
    expect(await uf.flush()).toEqual({ ok: true })
    expect(fetch.requests.map((request) => request.body)).toEqual([{ userId: 'alice', anonymousId: uf.anonymousId, properties: { plan: 'pro' } }])
  })

  it('resendAfter: 0 sends every value; identify still links with nothing new', async () => {
    const uf = make({ resendAfter: 0 })
    uf.updateProfile({ plan: 'pro' })
    await uf.flush()
    uf.updateProfile({ plan: 'pro' })
    await uf.flush()
    const dedupe = make({ resendAfter: 60_000, storagePrefix: 'd' })
    dedupe.updateProfile({ plan: 'pro' })
    await dedupe.flush()
    dedupe.identify('alice', { plan: 'pro' })
    await dedupe.flush()
    expect(fetch.requests.map((request) => request.body)).toEqual([
      { anonymousId: uf.anonymousId, properties: { plan: 'pro' } },
      { anonymousId: uf.anonymousId, properties: { plan: 'pro' } },
      { anonymousId: dedupe.anonymousId, properties: { plan: 'pro' } },
      // Delivered while anonymous is not the same as delivered to alice: the API merges it at the
      // link, where a null would clear rather than set; so it goes again with her id.
      { userId: 'alice', anonymousId: dedupe.anonymousId, properties: { plan: 'pro' } },
    ])
  })
})

describe('hostile ids and property names (SPEC §14)', () => {
  const proto = () => Object.getOwnPropertyNames(Object.prototype).map((name) => [name, (Object.prototype as any)[name]])

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('the anonymousId %j changes no prototype, and each update is sent once', async (id) => {
    const before = proto()
    const keys = Object.keys
    const uf = make({ anonymousId: id })
    uf.updateProfile({ isAdmin: false, keys: 1, name: 'x' })
    expect(await uf.flush()).toEqual({ ok: true })
    uf.updateProfile({ isAdmin: true })
    expect(await uf.flush()).toEqual({ ok: true })
    expect(fetch.requests.map((request) => [request.body.anonymousId, request.body.properties])).toEqual([
      [id, { isAdmin: false, keys: 1, name: 'x' }],
      [id, { isAdmin: true }],
    ])
    expect(({} as any).isAdmin).toBeUndefined()
    expect(Object.keys).toBe(keys)
    expect(proto()).toEqual(before)
    expect(errors).toEqual([])
    // A reload reads the record of deliveries back without harm.
    make({ anonymousId: id }).updateProfile({ isAdmin: false })
    expect(proto()).toEqual(before)
  })

  it('a key named like an Object.prototype member is delivered, and later values of other keys still are', async () => {
    const uf = make()
    const names = Object.getOwnPropertyNames(Object.prototype)
    uf.updateProfile(JSON.parse('{' + names.map((name) => `${JSON.stringify(name)}:"v"`).join(',') + ',"plan":"a"}'))
    await uf.flush()
    uf.updateProfile({ plan: 'b' })
    await uf.flush()
    uf.updateProfile(JSON.parse('{"constructor":"Ferrari","__proto__":{"x":1}}'))
    await uf.flush()
    expect(fetch.requests).toHaveLength(3)
    expect(Object.keys(fetch.requests[0].body.properties).sort()).toEqual([...names, 'plan'].sort())
    expect(fetch.requests[1].body.properties).toEqual({ plan: 'b' })
    expect(JSON.stringify(fetch.requests[2].body.properties)).toBe('{"constructor":"Ferrari","__proto__":{"x":1}}')
    expect(errors).toEqual([])
  })
})

describe('order across tabs (property-based, SPEC §5)', () => {
  type Op = { tab: 0 | 1; set: [string, number] } | { tab: 0 | 1; flush: true } | { fail: true } | { wait: number }
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ tab: fc.constantFrom(0 as const, 1 as const), set: fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 3 })) }) },
    { weight: 2, arbitrary: fc.record({ tab: fc.constantFrom(0 as const, 1 as const), flush: fc.constant(true as const) }) },
    { weight: 1, arbitrary: fc.record({ fail: fc.constant(true as const) }) },
    { weight: 2, arbitrary: fc.record({ wait: fc.integer({ min: 1, max: 3000 }) }) },
  )

  const lastValueWins = (resendAfter: number) =>
    fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        storage = new MemoryStorage()
        fetch = fakeFetch()
        errors = []
        // One origin: the send lock is shared, as Web Locks are between tabs.
        vi.stubGlobal('navigator', { locks: new FakeLocks() })
        const tabs = [make({ resendAfter }), make({ resendAfter, flushInterval: 2000 })]
        const last: Record<string, number> = {}
        for (const step of ops) {
          if ('set' in step) {
            tabs[step.tab].updateProfile({ [step.set[0]]: step.set[1] })
            last[step.set[0]] = step.set[1]
          } else if ('flush' in step) void tabs[step.tab].flush()
          else if ('fail' in step) fetch.answers.push(503)
          else await run(step.wait)
          // Calls a moment apart, as a person makes them (the stamps' clock resolves finer than this).
          await run(1)
        }
        for (let i = 0; i < 20 && (storage.queued().length || fetch.answers.length); i++) await run(60_000)
        await run(60_000)
        const server: Record<string, unknown> = {}
        // Applied in the order the server got them; a request answered 503 changed nothing.
        fetch.requests.forEach((request, i) => fetch.statuses[i] == 204 && Object.assign(server, request.body.properties))
        expect(server).toEqual(last)
        expect(errors.filter((error) => error.code != 'retrying')).toEqual([])
      }),
      // FC_RUNS=<n> for a longer run.
      { numRuns: Number(process.env.FC_RUNS) || 40 },
    )

  const timeout = process.env.FC_RUNS ? 600_000 : 20_000
  it('two tabs, any calls, flushes and failures: the server ends with the last value set of each key (resendAfter: 0)', () => lastValueWins(0), timeout)
  // The same with the default resendAfter (a day): unit finding 5, still failing after 624ae80.
  it('FINDING 5 (property): the same with the default resendAfter', () => lastValueWins(86_400_000), timeout)
})
