import { describe, expect, it, vi } from 'vitest'
import { BUSY, createQueue } from '../../src/delivery/queue.js'
import { createStorage } from '../../src/browser/storage.js'
import { MAX_UPDATE_BYTES } from '../../src/core/validate.js'
import { MemoryStorage } from '../support/memory-storage.js'

const setup = (maxSize = 100) => {
  const backing = new MemoryStorage()
  const report = vi.fn()
  const storage = createStorage(backing, report)
  const queue = createQueue(storage, 'uf-queue-v1|k|me', 'https://api.example', maxSize, report, () => true)
  return { backing, report, queue, storage }
}
let stamp = 0
const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve))

describe('queue', () => {
  it("persists in a microtask that never throws into the page, even with a page's throwing Object.prototype.toJSON", async () => {
    const { report, queue } = setup()
    queue._add({ anonymousId: 'a1', locationEnrichment: false }, { nested: { x: 1 } }, 15, ++stamp)
    Object.defineProperty(Object.prototype, 'toJSON', { value: () => { throw new Error('page toJSON') }, configurable: true, writable: true })
    const uncaught = vi.fn()
    process.on('uncaughtException', uncaught)
    try {
      await tick()
      await tick()
    } finally {
      delete (Object.prototype as any).toJSON
      process.off('uncaughtException', uncaught)
    }
    expect(uncaught).not.toHaveBeenCalled()
    expect(report).toHaveBeenCalledWith(expect.objectContaining({ code: 'internal', message: expect.stringContaining('queue not stored') }))
    // Stored at the next change, once JSON works again.
    queue._touch()
    await tick()
    expect(queue._entries).toHaveLength(1)
  })

  it('merges only into the last entry, and only for the same identity and flag', () => {
    const { queue } = setup()
    expect(queue._add({ anonymousId: 'a1', locationEnrichment: false }, { x: 1 }, 5, ++stamp)).toBe(false)
    expect(queue._add({ anonymousId: 'a1', locationEnrichment: false }, { y: 2, x: 3 }, 11, ++stamp)).toBe(true)
    expect(queue._add({ userId: 'u', anonymousId: 'a1', locationEnrichment: false }, { z: 1 }, 5, ++stamp)).toBe(false)
    expect(queue._add({ anonymousId: 'a1', locationEnrichment: false }, { x: 4 }, 5, ++stamp)).toBe(false) // not merged back: order
    expect(queue._add({ anonymousId: 'a1', locationEnrichment: true }, { x: 5 }, 5, ++stamp)).toBe(false)
    expect(queue._entries.map((entry) => [entry.userId, entry.locationEnrichment, entry.properties])).toEqual([
      [undefined, false, { x: 3, y: 2 }],
      ['u', false, { z: 1 }],
      [undefined, false, { x: 4 }],
      [undefined, true, { x: 5 }],
    ])
  })

  it("marks identify()'s link on a new entry and on the one it merges into, and persists it", async () => {
    const { backing, queue } = setup()
    queue._add({ userId: 'u', anonymousId: 'a', locationEnrichment: false }, {}, 2, ++stamp, true)
    queue._add({ userId: 'u', anonymousId: 'a', locationEnrichment: false }, { x: 1 }, 7, ++stamp)
    queue._add({ anonymousId: 'b', locationEnrichment: false }, { y: 1 }, 7, ++stamp)
    queue._add({ anonymousId: 'b', locationEnrichment: false }, {}, 2, ++stamp, true)
    expect(queue._entries.map((entry) => entry.link)).toEqual([true, true])
    await tick()
    expect(JSON.parse(backing.data.get(queue._key)!).entries.map((entry: { link?: boolean }) => entry.link)).toEqual([true, true])
    queue._add({ anonymousId: 'c', locationEnrichment: false }, { z: 1 }, 7, ++stamp)
    expect(queue._entries.at(-1)).not.toHaveProperty('link')
  })

  it('never merges into an entry on the wire', () => {
    const { queue } = setup()
    queue._add({ anonymousId: 'a', locationEnrichment: false }, { x: 1 }, 5, ++stamp)
    queue._entries[0][BUSY] = true
    queue._add({ anonymousId: 'a', locationEnrichment: false }, { x: 2 }, 5, ++stamp)
    expect(queue._entries.map((entry) => entry.properties)).toEqual([{ x: 1 }, { x: 2 }])
  })

  it('starts a new entry before one grows past the per-request size limit', () => {
    const { queue } = setup()
    const add = (properties: Record<string, string>) => queue._add({ anonymousId: 'a', locationEnrichment: false }, properties, JSON.stringify(properties).length, ++stamp)
    add({ x: 'a'.repeat(30_000) })
    add({ y: 'b'.repeat(3_000) })
    expect(queue._entries.map((entry) => Object.keys(entry.properties))).toEqual([['x'], ['y']])
  })

  it('keeps a long burst of the same keys in one entry: its real size does not grow', () => {
    const { queue } = setup()
    for (let i = 0; i < 10_000; i++) {
      const properties = { plan: 'pro', seats: i, note: 'n'.repeat(100) }
      queue._add({ anonymousId: 'a', locationEnrichment: false }, properties, JSON.stringify(properties).length, ++stamp)
    }
    expect(queue._entries).toHaveLength(1)
    expect(queue._entries[0].properties.seats).toBe(9999)
    expect(queue._entries[0].bytes).toBeLessThan(MAX_UPDATE_BYTES)
  })

  it('persists once per task, and removes its key when empty', async () => {
    const { backing, queue } = setup()
    for (let i = 0; i < 50; i++) queue._add({ anonymousId: 'a', locationEnrichment: i % 2 == 0 }, { i }, 7, ++stamp)
    expect(backing.writes).toBe(0)
    await tick()
    expect(backing.writes).toBe(1)
    expect(JSON.parse(backing.data.get(queue._key)!).entries).toHaveLength(50)
    queue._clear()
    await tick()
    expect(backing.data.has(queue._key)).toBe(false)
  })

  it('adopts another page\'s entries ahead of its own, keeping valid ones and reporting corrupt ones', async () => {
    const { backing, queue, report } = setup()
    queue._add({ anonymousId: 'mine', locationEnrichment: false }, { mine: 1 }, 10, ++stamp)
    backing.data.set(
      'uf-queue-v1|k|other',
      JSON.stringify({
        version: 1,
        writtenAt: Date.now(),
        endpoint: 'https://api.example',
        entries: [{ anonymousId: 'old', locationEnrichment: false, bytes: 9, properties: { old: 1 }, stamps: [['old', 1]], firstStamp: 1 }, { broken: true }],
      }),
    )
    expect(queue._adoptFrom(['uf-queue-v1|k|other'])).toBe(true)
    expect(queue._entries.map((entry) => entry.properties)).toEqual([{ old: 1 }, { mine: 1 }])
    expect(backing.data.has('uf-queue-v1|k|other')).toBe(false)
    expect(report).toHaveBeenCalledWith(expect.objectContaining({ code: 'storage' }))
    // The key is reported once, however many of its entries were corrupt.
    expect(report).toHaveBeenCalledTimes(1)
  })

  it('coalesces adopted neighbours of one identity, the newest value of each key winning', () => {
    const { backing, queue } = setup()
    queue._add({ anonymousId: 'v', locationEnrichment: false }, { x: 'mine, newest' }, 20, 30)
    // The release before v1 (f12cb4f) left this one: its format is still adopted.
    backing.data.set('uf-queue-k|other', JSON.stringify({ t: Date.now(), q: [{ a: 'v', l: false, n: 20, p: { x: 'old', y: 1 }, t: { x: 10, y: 10 }, s: 10 }] }))
    queue._adoptFrom(['uf-queue-k|other'])
    expect(queue._entries.map((entry) => entry.properties)).toEqual([{ x: 'mine, newest', y: 1 }])
  })

  it('leaves a recently written queue alone when asked for a minimum age', () => {
    const { backing, queue } = setup()
    backing.data.set(
      'uf-queue-v1|k|other',
      JSON.stringify({ version: 1, writtenAt: Date.now(), endpoint: 'https://api.example', entries: [{ anonymousId: 'x', locationEnrichment: false, bytes: 2, properties: {}, stamps: [], firstStamp: 1 }] }),
    )
    expect(queue._adoptFrom(['uf-queue-v1|k|other'], 60_000)).toBe(false)
    expect(backing.data.has('uf-queue-v1|k|other')).toBe(true)
  })

  it('drops the oldest waiting entry past the cap; one on the wire does not count (issue 12 case 12)', () => {
    const { queue, report } = setup(1)
    queue._add({ anonymousId: 'a', locationEnrichment: false }, { n: 0 }, 5, ++stamp)
    queue._entries[0][BUSY] = true
    queue._add({ anonymousId: 'a', locationEnrichment: true }, { n: 1 }, 5, ++stamp)
    expect(report).not.toHaveBeenCalled()
    queue._add({ anonymousId: 'a', locationEnrichment: false }, { n: 2 }, 5, ++stamp)
    expect(queue._entries.map((entry) => entry.properties)).toEqual([{ n: 0 }, { n: 2 }])
    expect(report).toHaveBeenCalledWith(expect.objectContaining({ code: 'queue-full', message: expect.stringContaining('oldest') }))
  })

  it('holds adopted queues to the cap too (issue 12 case 11)', () => {
    const { backing, queue, report } = setup(3)
    for (const page of ['p1', 'p2', 'p3']) {
      const entries = [1, 2, 3].map((i) => ({ anonymousId: page, locationEnrichment: i % 2 == 0, bytes: 7, properties: { i }, stamps: [['i', ++stamp]], firstStamp: stamp }))
      backing.data.set('uf-queue-v1|k|' + page, JSON.stringify({ version: 1, writtenAt: Date.now(), endpoint: 'https://api.example', entries }))
      queue._adoptFrom(['uf-queue-v1|k|' + page])
    }
    expect(queue._entries).toHaveLength(3)
    expect(queue._entries.map((entry) => entry.anonymousId)).toEqual(['p3', 'p3', 'p3'])
    expect(report).toHaveBeenCalledTimes(6)
  })

  it('adopts several queues in one step: the cap applies to all of them at once, oldest first', () => {
    const { backing, queue, report } = setup(3)
    const keys = ['p1', 'p2', 'p3'].map((page, p) => {
      // Stamps interleave across pages: p1's first update, then p2's, …
      const entries = [0, 1].map((i) => ({ anonymousId: page, locationEnrichment: false, bytes: 7, properties: { i }, stamps: [['i', 10 * i + p]], firstStamp: 10 * i + p }))
      backing.data.set('uf-queue-v1|k|' + page, JSON.stringify({ version: 1, writtenAt: Date.now(), endpoint: 'https://api.example', entries }))
      return 'uf-queue-v1|k|' + page
    })
    expect(queue._adoptFrom(keys)).toBe(true)
    // Six entries of three identities, in stamp order; the three oldest dropped.
    expect(queue._entries.map((entry) => [entry.anonymousId, entry.firstStamp])).toEqual([
      ['p1', 10],
      ['p2', 11],
      ['p3', 12],
    ])
    expect(report).toHaveBeenCalledTimes(3)
    for (const key of keys) expect(backing.data.has(key)).toBe(false)
  })

  it("leaves a newer build's queue alone: not read, not removed, not reported (SPEC §13)", () => {
    const { backing, queue, report } = setup()
    const newer = JSON.stringify({ version: 2, writtenAt: 1, whatever: [{ anonymousId: 'x' }] })
    backing.data.set('uf-queue-v1|k|newer', newer)
    expect(queue._adoptFrom(['uf-queue-v1|k|newer'])).toBe(false)
    expect(backing.data.get('uf-queue-v1|k|newer')).toBe(newer)
    expect(report).not.toHaveBeenCalled()
  })

  it('removes a corrupt queue and reports its key once, while adopting its neighbours', () => {
    const { backing, queue, report } = setup()
    backing.data.set('uf-queue-v1|k|junk', '{"version":1,')
    backing.data.set('uf-queue-v1|k|good', JSON.stringify({ version: 1, writtenAt: 1, endpoint: 'e', entries: [{ anonymousId: 'a', locationEnrichment: false, properties: { ok: 1 }, stamps: [['ok', 1]], bytes: 8, firstStamp: 1 }] }))
    expect(queue._adoptFrom(['uf-queue-v1|k|junk', 'uf-queue-v1|k|good'])).toBe(true)
    expect(queue._entries.map((entry) => entry.properties)).toEqual([{ ok: 1 }])
    expect(backing.data.has('uf-queue-v1|k|junk')).toBe(false)
    expect(report).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ code: 'storage', message: expect.stringContaining('uf-queue-v1|k|junk') }))
  })

  it('adopts nothing while storing is not allowed (opted out), and leaves the queues where they are', () => {
    const backing = new MemoryStorage()
    const queue = createQueue(createStorage(backing, () => {}), 'uf-queue-v1|k|me', 'e', 100, () => {}, () => false)
    const stored = JSON.stringify({ t: 1, q: [{ a: 'a', l: false, p: { x: 1 }, n: 7 }] })
    backing.data.set('uf-queue-k|old', stored)
    expect(queue._adoptFrom(['uf-queue-k|old'])).toBe(false)
    expect(queue._entries).toHaveLength(0)
    expect(backing.data.get('uf-queue-k|old')).toBe(stored)
  })

  it('a queue of entries with hostile keys from another page is adopted and merged as ordinary keys', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).map((name) => (Object.prototype as any)[name])
    const { backing, queue, report } = setup()
    queue._add({ anonymousId: 'v', locationEnrichment: false }, Object.assign(Object.create(null), { constructor: 'mine' }), 22, 5)
    backing.data.set(
      'uf-queue-v1|k|other',
      '{"version":1,"writtenAt":1,"endpoint":"e","entries":[{"anonymousId":"v","locationEnrichment":false,"properties":{"__proto__":{"isAdmin":true},"constructor":"Ferrari","toString":"NaN"},"stamps":[["__proto__",1],["constructor",1],["toString",1]],"bytes":60,"firstStamp":1}]}',
    )
    expect(queue._adoptFrom(['uf-queue-v1|k|other'])).toBe(true)
    expect(report).not.toHaveBeenCalled()
    expect(queue._entries).toHaveLength(1)
    const [merged] = queue._entries
    // The adopted entry is older (stamp 1): this page's newer constructor wins, the other keys join.
    expect(JSON.stringify(merged.properties)).toBe('{"__proto__":{"isAdmin":true},"constructor":"mine","toString":"NaN"}')
    expect(({} as any).isAdmin).toBeUndefined()
    expect(Object.getOwnPropertyNames(Object.prototype).map((name) => (Object.prototype as any)[name])).toEqual(before)
  })

  it('counts UTF-8 bytes: non-ASCII updates never merge past the limit (issue 12 case 1)', () => {
    const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length
    const { queue } = setup()
    const big = { x: '日'.repeat(10_000) } // 30,008 bytes of JSON, 10,008 characters
    for (let i = 0; i < 3; i++) queue._add({ anonymousId: 'a', locationEnrichment: false }, { ['x' + i]: big.x }, bytes({ ['x' + i]: big.x }), ++stamp)
    expect(queue._entries).toHaveLength(3)
    for (const entry of queue._entries) expect(bytes(entry.properties)).toBeLessThanOrEqual(MAX_UPDATE_BYTES)
    const small = (i: number) => ({ ['k' + i]: 'データ'.repeat(100) })
    const { queue: other } = setup()
    for (let i = 0; i < 60; i++) other._add({ anonymousId: 'a', locationEnrichment: false }, small(i), bytes(small(i)), ++stamp)
    expect(other._entries.length).toBeGreaterThan(1)
    for (const entry of other._entries) expect(bytes(entry.properties)).toBeLessThanOrEqual(MAX_UPDATE_BYTES)
  })

  it('keeps the per-call cost flat near the limit: one key set again does not re-measure the entry (issue 12 case 22)', () => {
    const { queue } = setup()
    const filler: Record<string, string> = {}
    for (let i = 0; i < 31; i++) filler['f' + i] = 'x'.repeat(1000)
    queue._add({ anonymousId: 'a', locationEnrichment: false }, filler, JSON.stringify(filler).length, ++stamp)
    const stringify = vi.spyOn(JSON, 'stringify')
    for (let i = 0; i < 1000; i++) queue._add({ anonymousId: 'a', locationEnrichment: false }, { counter: i }, 13 + String(i).length, ++stamp)
    // Per call: its own key and value; the whole entry is measured once.
    expect(stringify.mock.calls.length).toBeLessThan(2 * 1000 + 100)
    stringify.mockRestore()
    expect(queue._entries).toHaveLength(1)
    expect(queue._entries[0].properties.counter).toBe(999)
    expect(queue._entries[0].bytes).toBe(new TextEncoder().encode(JSON.stringify(queue._entries[0].properties)).length)
  })

  it("keeps each value's stamp, the newest per key", () => {
    const { queue } = setup()
    queue._add({ anonymousId: 'a', locationEnrichment: false }, { x: 1, y: 1 }, 13, 10)
    queue._add({ anonymousId: 'a', locationEnrichment: false }, { y: 2 }, 7, 20)
    expect(queue._entries[0].stamps).toEqual(new Map([['x', 10], ['y', 20]]))
  })

  it("relabels only anonymous updates: an identified user's stay with their id (issue 12 case 17)", () => {
    const { queue } = setup()
    queue._add({ anonymousId: 'p', locationEnrichment: false }, { x: 1 }, 7, ++stamp)
    queue._add({ userId: 'alice', anonymousId: 'p', locationEnrichment: false }, { y: 1 }, 7, ++stamp)
    queue._relabel('p', 'q')
    expect(queue._entries.map((entry) => [entry.userId, entry.anonymousId])).toEqual([[undefined, 'q'], ['alice', 'p']])
  })

  it('hands its updates over: each write under a new key, nothing kept in memory (issue 12 case 7b)', async () => {
    const { backing, queue } = setup()
    let n = 0
    queue._add({ anonymousId: 'a', locationEnrichment: false }, { x: 1 }, 7, ++stamp)
    await tick()
    const first = queue._key
    queue._handOver(() => 'uf-queue-v1|k|h' + ++n)
    expect(queue._entries).toHaveLength(0)
    queue._add({ anonymousId: 'a', locationEnrichment: false }, { y: 1 }, 7, ++stamp)
    await tick()
    expect(JSON.parse(backing.data.get(first)!).entries[0].properties).toEqual({ x: 1 })
    expect(JSON.parse(backing.data.get('uf-queue-v1|k|h1')!).entries[0].properties).toEqual({ y: 1 })
    expect(queue._entries).toHaveLength(0)
    expect(queue._key).toBe('uf-queue-v1|k|h2')
  })
})

describe('several clients', () => {
  it('clients of different keys keep separate queues; a storagePrefix separates everything', async () => {
    const { createClient } = await import('../../src/index.js')
    const backing = new MemoryStorage()
    const fetch = vi.fn(async () => new Response(null, { status: 204 }))
    const one = createClient({ writeKey: 'one', storage: backing, fetch, flushInterval: 60_000 })
    const two = createClient({ writeKey: 'two', endpoint: 'https://proxy.example', storage: backing, fetch, flushInterval: 60_000 })
    const three = createClient({ writeKey: 'three', storage: backing, storagePrefix: 'other', fetch, flushInterval: 60_000 })
    one.updateProfile({ a: 1 })
    two.updateProfile({ b: 1 })
    three.updateProfile({ c: 1 })
    await tick()
    const keys = [...backing.data.keys()]
    // Scoped by write key only since v1: the endpoint moved behind a proxy still delivers what was queued (SPEC §13).
    expect(keys.filter((key) => key.startsWith('uf-queue-v1|one|'))).toHaveLength(1)
    expect(keys.filter((key) => key.startsWith('uf-queue-v1|two|'))).toHaveLength(1)
    expect(keys.filter((key) => key.startsWith('other-'))).toEqual(expect.arrayContaining(['other-anonymousId']))
    expect(three.anonymousId).not.toBe(one.anonymousId)
    expect(two.anonymousId).toBe(one.anonymousId) // the same visitor, under the shared prefix
  })
})
