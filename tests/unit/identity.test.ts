import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient, type UserFluxClient, type UserFluxError } from '../../src/index.js'
import { createIdentity } from '../../src/core/identity.js'
import { createStorage } from '../../src/browser/storage.js'
import { MAX_ID_LENGTH } from '../../src/core/validate.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { MemoryStorage } from '../support/memory-storage.js'

let backing: MemoryStorage
let fetch: ReturnType<typeof fakeFetch>

beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {})
  backing = new MemoryStorage()
  fetch = fakeFetch()
})
afterEach(() => vi.restoreAllMocks())

const identity = (report = vi.fn()) => ({ report, identity: createIdentity(createStorage(backing, () => {}), 'uf', () => true, report, () => {}) })

describe('stored ids are checked like any input (SPEC §14)', () => {
  it('a 70 KB stored anonymousId is replaced and reported once; updates are sent under the new one', async () => {
    backing.setItem('uf-anonymousId', 'x'.repeat(70_000))
    const errors: UserFluxError[] = []
    const uf = createClient({ writeKey: 'wk', storage: backing, fetch, onError: (error) => errors.push(error) })
    const fresh = uf.anonymousId
    expect(fresh).toMatch(/^[\w-]{21}$/)
    expect(backing.getItem('uf-anonymousId')).toBe(fresh)
    uf.updateProfile({ plan: 'pro' })
    uf.updateProfile({ seats: 2 })
    expect(await uf.flush()).toEqual({ ok: true })
    expect(fetch.requests.map((request) => request.body.anonymousId)).toEqual([fresh])
    expect(errors.map((error) => [error.code, error.message])).toEqual([['storage', 'userflux: corrupt uf-anonymousId ignored']])
  })

  it.each([
    ['over 1,024 characters', 'u'.repeat(MAX_ID_LENGTH + 1)],
    ['with a control character', 'alice\u0000'],
    ['with a line break', 'alice\nbob'],
    ['blank', '   '],
    // Since a28aa3c: it would be sent as userId "", which the API refuses.
    ['empty', ''],
  ])('a stored userId %s is removed and reported once', (_, bad) => {
    backing.setItem('uf-userId', bad)
    const { identity: ids, report } = identity()
    expect(ids._userId()).toBeNull()
    expect(ids._userId()).toBeNull()
    expect(backing.getItem('uf-userId')).toBeNull()
    expect(report).toHaveBeenCalledOnce()
  })

  it('an id of exactly 1,024 characters, or any text without control characters, is kept as it is', () => {
    const longest = 'é'.repeat(MAX_ID_LENGTH)
    backing.setItem('uf-userId', longest)
    backing.setItem('uf-anonymousId', 'José García')
    const { identity: ids, report } = identity()
    expect(ids._userId()).toBe(longest)
    expect(ids._anonymousId()).toBe('José García')
    expect(report).not.toHaveBeenCalled()
  })
})

describe('reports never re-enter themselves (SPEC §14)', () => {
  it('an onError that reads client.anonymousId while a corrupt id is reported does not recurse', async () => {
    backing.setItem('uf-anonymousId', '\u0000corrupt')
    let reports = 0
    const seen: string[] = []
    let uf: UserFluxClient | undefined
    uf = createClient({
      writeKey: 'wk',
      storage: backing,
      fetch,
      onError: () => {
        reports++
        seen.push(uf!.anonymousId)
      },
    })
    uf.updateProfile({ plan: 'pro' })
    expect(reports).toBe(1)
    expect(await uf.flush()).toEqual({ ok: true })
    // One visitor throughout: the id the handler saw is the one stored and sent.
    expect(seen).toEqual([uf.anonymousId])
    expect(backing.getItem('uf-anonymousId')).toBe(uf.anonymousId)
    expect(fetch.requests.map((request) => request.body.anonymousId)).toEqual([uf.anonymousId])
    expect(reports).toBe(1)
    expect(console.error).not.toHaveBeenCalled()
  })

  it('an onError that reports again (a bad call of its own) sends the inner report to the console, once', () => {
    let reports = 0
    const uf = createClient({
      writeKey: 'wk',
      storage: backing,
      fetch,
      onError: () => {
        reports++
        uf.updateProfile('again' as never)
      },
    })
    uf.updateProfile('bad' as never)
    expect(reports).toBe(1)
    expect(console.error).toHaveBeenCalledOnce()
    expect(vi.mocked(console.error).mock.calls[0][0]).toMatch(/updateProfile: properties must be a plain object, got String/)
  })
})

describe('another tab removes the id', () => {
  /** Storage events of other tabs, delivered to this page's listeners. */
  const events = () => {
    const listeners: [string, (event: unknown) => void][] = []
    vi.stubGlobal('addEventListener', (type: string, listener: (event: unknown) => void) => listeners.push([type, listener]))
    vi.stubGlobal('dispatchEvent', () => true)
    return (key: string | null) => {
      const newValue = key == null ? null : backing.getItem(key)
      for (const [type, listener] of listeners) if (type == 'storage') listener({ storageArea: backing, key, newValue })
    }
  }
  afterEach(() => vi.unstubAllGlobals())

  it('the old id is never written back from here; the next call makes a new one (SPEC §5)', () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    try {
      const otherTab = events()
      const { identity: ids } = identity()
      const old = ids._anonymousId()
      vi.advanceTimersByTime(6000) // settled
      expect(backing.getItem('uf-anonymousId')).toBe(old)
      backing.removeItem('uf-anonymousId') // a consent manager, logout code
      otherTab('uf-anonymousId')
      expect(backing.getItem('uf-anonymousId')).toBeNull()
      const fresh = ids._anonymousId()
      expect(fresh).not.toBe(old)
      expect(backing.getItem('uf-anonymousId')).toBe(fresh)
    } finally {
      vi.useRealTimers()
    }
  })

  it('after localStorage.clear() in another tab the user is read again, and the anonymousId is not written back', () => {
    const otherTab = events()
    backing.setItem('uf-userId', 'alice')
    const { identity: ids } = identity()
    ids._anonymousId()
    expect(ids._userId()).toBe('alice')
    backing.clear()
    otherTab(null)
    expect(ids._userId()).toBeNull()
    expect(backing.getItem('uf-anonymousId')).toBeNull()
  })
})

describe('while opted out', () => {
  // Unit finding 7 (fixed in 9177c53).
  it('a corrupt stored id is removed and reported once, however often the app reads client.anonymousId', () => {
    backing.setItem('uf-anonymousId', 'x'.repeat(2000))
    const errors: string[] = []
    const uf = createClient({ writeKey: 'wk', storage: backing, fetch, optedOut: true, onError: (error) => errors.push(error.message) })
    const ids = new Set<string>()
    for (let i = 0; i < 5; i++) ids.add(uf.anonymousId) // a render loop reading it
    expect(ids.size).toBe(1)
    expect(errors).toEqual(['userflux: corrupt uf-anonymousId ignored'])
    // Removing stores nothing about the visitor: allowed while opted out, and nothing is written in its place.
    expect(backing.getItem('uf-anonymousId')).toBeNull()
  })
})
