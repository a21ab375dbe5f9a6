/**
 * Issue 11, "setup mistakes must not take a site down": createClient never throws; a missing writeKey
 * gives an inert client; every bad option is reported by name and replaced by its default; reports go
 * to onError or, without one, the console; on a server the default storage is memory; debug output
 * is readable and can be switched on at runtime.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient, UserFluxError, type Options } from '../../src/index.js'
import { describe as describeEntry, HIDDEN } from '../../src/core/log.js'
import { normalizeOptions, OPTIONS, optionsFromDataset } from '../../src/core/options.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { MemoryStorage } from '../support/memory-storage.js'

let storage: MemoryStorage
let fetch: ReturnType<typeof fakeFetch>
let errors: UserFluxError[]
let consoleError: ReturnType<typeof vi.spyOn>

const base = () => ({ writeKey: 'wk', endpoint: 'https://api.test', storage, fetch, onError: (e: UserFluxError) => errors.push(e) })
const run = (ms = 1000) => vi.advanceTimersByTimeAsync(ms)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
  storage = new MemoryStorage()
  fetch = fakeFetch()
  errors = []
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

describe('no writeKey: an inert client, said once, never a throw', () => {
  it.each([[undefined], [{}], [{ writeKey: '' }], [{ writeKey: '  ' }], [{ writeKey: 42 }], [{ writeKey: undefined }]])('%j', async (given) => {
    const options = given && { ...given, storage, fetch, onError: (e: UserFluxError) => errors.push(e) }
    let uf!: ReturnType<typeof createClient>
    expect(() => (uf = createClient(options as any))).not.toThrow()
    uf.identify('user-1', { plan: 'pro' })
    uf.updateProfile({ theme: 'dark' })
    uf.reset()
    uf.optOut()
    uf.optIn()
    const result = await uf.flush()
    await run(5000)
    expect(result.ok).toBe(false)
    expect(fetch.requests).toEqual([])
    expect(storage.writes).toBe(0)
    if (options) {
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(UserFluxError)
      expect(errors[0]!.message).toContain('options.writeKey')
      // onError given: the app logs it; the console stays quiet.
      expect(consoleError).not.toHaveBeenCalled()
    } else {
      expect(consoleError).toHaveBeenCalledTimes(1)
      expect(String(consoleError.mock.calls[0]![0])).toContain('options.writeKey')
    }
  })

  it('without onError, the console says it once', () => {
    createClient({ writeKey: '', storage, fetch }).updateProfile({ a: 1 })
    expect(consoleError).toHaveBeenCalledTimes(1)
    expect(String(consoleError.mock.calls[0]![0])).toMatch(/^userflux: options\.writeKey is required \(your Write Only key\), not "": nothing is stored or sent$/)
  })
})

describe('every option validated by name, falling back to its default', () => {
  const bad: [keyof Options, unknown, RegExp][] = [
    ['flushInterval', -1, /^options\.flushInterval must be a number ≥ 0, not -1; using 1000$/],
    ['flushInterval', NaN, /options\.flushInterval/],
    ['flushInterval', '500', /options\.flushInterval .* not "500"/],
    ['maxQueueSize', 0, /^options\.maxQueueSize must be an integer ≥ 1, not 0; using 100$/],
    ['maxQueueSize', 2.5, /options\.maxQueueSize/],
    ['minRetryDelay', 0, /options\.minRetryDelay/],
    ['maxRetryDelay', Infinity, /options\.maxRetryDelay/],
    ['storage', 'sessionStorage', /^options\.storage must be 'localStorage', 'memory' or a Storage object, not "sessionStorage"; using "memory"$/],
    ['storage', {}, /options\.storage/],
    ['storagePrefix', '', /options\.storagePrefix/],
    ['endpoint', 42, /options\.endpoint/],
    ['locationEnrichment', 'true', /^options\.locationEnrichment must be true or false, not "true"; using false$/],
    ['debug', 1, /options\.debug/],
    ['optedOut', 'yes', /options\.optedOut/],
    ['respectGlobalPrivacyControl', 'no', /options\.respectGlobalPrivacyControl/],
    ['fetch', 'fetch', /^options\.fetch must be a function, not "fetch"; ignored$/],
  ]
  it.each(bad)('%s: %j', (name, value, message) => {
    const { problems } = normalizeOptions({ ...base(), [name]: value } as Options)
    expect(problems.map((problem) => problem._name)).toEqual([name])
    expect(problems[0]!.message).toMatch(message)
    createClient({ ...base(), [name]: value } as Options)
    expect(errors.map((error) => error.message.replace(/^userflux: /, ''))).toEqual([expect.stringMatching(message)])
    expect(errors[0]!.code).toBe('invalid-argument')
  })

  it('a good configuration reports nothing', () => {
    createClient({ ...base(), flushInterval: 0, maxQueueSize: 1, minRetryDelay: 5, maxRetryDelay: 5, storage: 'memory', debug: false, endpoint: '/uf' })
    expect(errors).toEqual([])
    expect(consoleError).not.toHaveBeenCalled()
  })

  it('flushInterval: -1 sends after the default 1000 ms, not at once', async () => {
    const uf = createClient({ ...base(), flushInterval: -1 })
    uf.updateProfile({ a: 1 })
    await run(900)
    expect(fetch.requests).toHaveLength(0)
    await run(200)
    expect(fetch.requests).toHaveLength(1)
  })

  it('maxQueueSize: 0 no longer drops every update while flush() answers ok', async () => {
    const uf = createClient({ ...base(), maxQueueSize: 0 })
    uf.updateProfile({ a: 1 })
    expect(await uf.flush()).toEqual({ ok: true })
    expect(fetch.requests.map((request) => request.body.properties)).toEqual([{ a: 1 }])
    expect(errors.map((error) => error.code)).toEqual(['invalid-argument'])
  })

  it('minRetryDelay above maxRetryDelay: reported, and the minimum lowered', () => {
    const { options, problems } = normalizeOptions({ writeKey: 'k', minRetryDelay: 5000, maxRetryDelay: 500 })
    expect(problems).toEqual([{ _name: 'minRetryDelay', message: 'options.minRetryDelay (5000) must not be above options.maxRetryDelay (500); using 500' }])
    expect(options.minRetryDelay).toBe(500)
    expect(options.maxRetryDelay).toBe(500)
  })

  it("storage: 'sessionStorage' falls back to the default, and the client works", async () => {
    const uf = createClient({ ...base(), storage: 'sessionStorage' as any })
    uf.updateProfile({ a: 1 })
    expect(await uf.flush()).toEqual({ ok: true })
    expect(errors).toHaveLength(1)
  })

  it('a throwing onError does not hide the problem: it goes to the console then', () => {
    createClient({ ...base(), flushInterval: -1, onError: () => { throw new Error('app bug') } })
    expect(consoleError).toHaveBeenCalledTimes(1)
  })

  it('without onError, problems go to the console; with it, only to onError', async () => {
    const uf = createClient({ writeKey: 'wk', endpoint: 'https://api.test', storage, fetch })
    uf.identify('')
    expect(consoleError).toHaveBeenCalledTimes(1)
    consoleError.mockClear()
    const withHandler = createClient({ ...base(), storagePrefix: 'other' })
    withHandler.identify('')
    expect(errors).toHaveLength(1)
    expect(consoleError).not.toHaveBeenCalled()
  })
})

describe('on a server (no document)', () => {
  it('with a global localStorage (Node 25, Deno, Bun), the default storage is memory: no state crosses requests', async () => {
    const shared = new MemoryStorage()
    vi.stubGlobal('localStorage', shared)
    expect(typeof document).toBe('undefined')
    const request1 = createClient({ writeKey: 'wk', endpoint: 'https://api.test', fetch })
    request1.identify('user-1')
    await request1.flush()
    const request2 = createClient({ writeKey: 'wk', endpoint: 'https://api.test', fetch })
    expect(request2.userId).toBeNull()
    expect(request2.anonymousId).not.toBe(request1.anonymousId)
    expect(shared.writes).toBe(0)
    expect(normalizeOptions({ writeKey: 'k' }).options.storage).toBe('memory')
  })

  it('in a browser (a document), the default stays localStorage', () => {
    vi.stubGlobal('document', {})
    expect(normalizeOptions({ writeKey: 'k' }).options.storage).toBe('localStorage')
  })
})

describe('script tag data-* attributes, from the same table', () => {
  it('types each attribute by its option', () => {
    expect(
      optionsFromDataset({
        writeKey: 'wk',
        optedOut: 'true',
        respectGlobalPrivacyControl: '',
        locationEnrichment: 'false',
        flushInterval: '250',
        maxQueueSize: '20',
        storagePrefix: 'site',
        storage: 'memory',
        onError: 'alert(1)', // not settable without code
      }),
    ).toEqual({ writeKey: 'wk', optedOut: true, respectGlobalPrivacyControl: true, locationEnrichment: false, flushInterval: 250, maxQueueSize: 20, storagePrefix: 'site', storage: 'memory' })
  })
  it('a value that does not parse is kept as written, so it is reported by name', () => {
    const parsed = optionsFromDataset({ writeKey: 'wk', flushInterval: 'soon', debug: 'yes' })
    expect(normalizeOptions(parsed as unknown as Options).problems.map((problem) => problem._name)).toEqual(['flushInterval', 'debug'])
  })
  it('every number attribute has a number default', () => {
    for (const [name, [, , fallback, attribute]] of Object.entries(OPTIONS)) if (attribute == 'n') expect(typeof fallback, name).toBe('number')
  })
})

describe('debug output', () => {
  it('names the fields, not the queue keys', () => {
    // Entries carry the readable names of format v1 now; the bookkeeping (bytes, stamps, firstStamp) is still left out.
    const entry = { userId: 'user-1', anonymousId: 'anon', properties: { plan: 'pro' }, locationEnrichment: false, bytes: 14, stamps: new Map([['plan', 1]]), firstStamp: 1 }
    expect(describeEntry(entry)).toEqual({
      userId: 'user-1',
      anonymousId: 'anon',
      properties: { plan: 'pro' },
      locationEnrichment: false,
    })
    expect(describeEntry('sent')).toBe('sent')
  })

  const logged = (spy: ReturnType<typeof vi.spyOn>) => JSON.stringify(spy.mock.calls)

  it('?uf_debug=1 switches it on without a rebuild', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    vi.stubGlobal('location', { search: '?page=2&uf_debug=1' })
    const uf = createClient(base())
    uf.identify('user-1', { plan: 'pro' })
    await uf.flush()
    expect(logged(log)).toContain('"userId":"user-1"')
    expect(logged(log)).toContain('"anonymousId"')
    // A link is anyone's to craft: in URL mode the property names show, their values never do (SPEC §14).
    expect(logged(log)).toContain(`"properties":{"plan":${JSON.stringify(HIDDEN)}}`)
    expect(logged(log)).not.toContain('"pro"')
    expect(logged(log)).not.toMatch(/"[uapln]":/)
  })

  it("localStorage 'uf-debug' = '1' switches it on; nothing logs without a switch", async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const flags = new MemoryStorage()
    vi.stubGlobal('localStorage', flags)
    createClient(base()).updateProfile({ a: 1 })
    expect(log).not.toHaveBeenCalled()
    flags.setItem('uf-debug', '1')
    createClient({ ...base(), storagePrefix: 'x' }).updateProfile({ a: 1 })
    expect(logged(log)).toContain('"properties":{"a":1}')
  })
})
