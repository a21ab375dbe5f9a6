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

const identity = (report = vi.fn()) => ({ report, identity: createIdentity(createStorage(backing, () => {}), 'uf', () => true, report, () => {}, () => false, setTimeout) })

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
    /** `newValue`: what the event says was written (the value in storage now, unless given). */
    return (key: string | null, newValue = key == null ? null : backing.getItem(key)) => {
      for (const [type, listener] of listeners) if (type == 'storage') listener({ storageArea: backing, key, newValue })
    }
  }
  afterEach(() => vi.unstubAllGlobals())

  it('the old id is never written back from here; the next call makes a new one, written 5 s later (SPEC §5)', () => {
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout'] })
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
      // Not at once: a tab whose id is still provisional would take it for a new tab's (found case F4c).
      expect(backing.getItem('uf-anonymousId')).toBeNull()
      vi.advanceTimersByTime(5000)
      expect(backing.getItem('uf-anonymousId')).toBe(fresh)
      expect(ids._anonymousId()).toBe(fresh)
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

describe('ids written by another tab', () => {
  const events = () => {
    const listeners: [string, (event: unknown) => void][] = []
    vi.stubGlobal('addEventListener', (type: string, listener: (event: unknown) => void) => listeners.push([type, listener]))
    vi.stubGlobal('dispatchEvent', () => true)
    return (key: string, newValue: string | null) => {
      for (const [type, listener] of listeners) if (type == 'storage') listener({ storageArea: backing, key, newValue })
    }
  }
  beforeEach(() => vi.useFakeTimers({ toFake: ['performance', 'setTimeout'] }))
  afterEach(() => (vi.useRealTimers(), vi.unstubAllGlobals()))

  it('an id already gone when its storage event comes is a removal: this tab writes none (found case F4c)', () => {
    const otherTab = events()
    const { identity: ids } = identity()
    const old = ids._anonymousId()
    vi.advanceTimersByTime(6000)
    // Another tab wrote its id, and then this page's own code removed the ids, before the event came.
    backing.setItem('uf-anonymousId', 'other-tab-id')
    backing.removeItem('uf-anonymousId')
    otherTab('uf-anonymousId', 'other-tab-id')
    expect(backing.getItem('uf-anonymousId')).toBeNull()
    const fresh = ids._anonymousId()
    expect([old, 'other-tab-id']).not.toContain(fresh)
  })

  /** A client whose other pages' stored queues hold updates: a new id waits before it is written. */
  const withQueuesElsewhere = () => {
    const relabel = vi.fn()
    const ids = createIdentity(createStorage(backing, () => {}), 'uf', () => true, vi.fn(), relabel, () => true, setTimeout)
    return { ids, relabel }
  }

  it('a new id made while another page holds queued updates is written 5 s later (found case F4d)', () => {
    const { ids } = withQueuesElsewhere()
    const made = ids._anonymousId()
    expect(backing.getItem('uf-anonymousId')).toBeNull()
    vi.advanceTimersByTime(4999)
    expect(backing.getItem('uf-anonymousId')).toBeNull()
    vi.advanceTimersByTime(1)
    expect(backing.getItem('uf-anonymousId')).toBe(made)
    expect(ids._anonymousId()).toBe(made)
  })

  it('meanwhile another tab stores an id: this page joins it, and what it queued stays where it is', () => {
    const { ids, relabel } = withQueuesElsewhere()
    const made = ids._anonymousId()
    backing.setItem('uf-anonymousId', 'other-tab-id')
    expect(ids._anonymousId()).toBe('other-tab-id')
    vi.advanceTimersByTime(6000)
    expect(backing.getItem('uf-anonymousId')).toBe('other-tab-id')
    expect(relabel).not.toHaveBeenCalled()
    expect(made).not.toBe('other-tab-id')
  })

  it('identifying a user writes the waiting id first, beside the user', () => {
    const { ids } = withQueuesElsewhere()
    const made = ids._anonymousId()
    ids._setUserId('alice')
    expect([backing.getItem('uf-anonymousId'), backing.getItem('uf-userId')]).toEqual([made, 'alice'])
    expect(ids._anonymousId()).toBe(made)
  })

  it('a user identified in another tab comes with the id stored beside them, before its event (found case U1)', () => {
    const otherTab = events()
    backing.setItem('uf-anonymousId', 'alices-id')
    backing.setItem('uf-userId', 'alice')
    const { identity: ids } = identity()
    expect([ids._userId(), ids._anonymousId()]).toEqual(['alice', 'alices-id'])
    // Another tab: identify('bob') resets first (a new id), then stores bob; this tab has heard only
    // of the first change so far.
    backing.setItem('uf-userId', 'bob')
    backing.setItem('uf-anonymousId', 'bobs-id')
    otherTab('uf-userId', null)
    expect([ids._userId(), ids._anonymousId()]).toEqual(['bob', 'bobs-id'])
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
