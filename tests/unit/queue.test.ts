import { describe, expect, it, vi } from 'vitest'
import { BUSY, createQueue } from '../../src/queue.js'
import { createStorage } from '../../src/storage.js'
import { MAX_UPDATE_BYTES } from '../../src/validate.js'
import { MemoryStorage } from '../support/memory-storage.js'

const setup = (maxSize = 100) => {
  const backing = new MemoryStorage()
  const report = vi.fn()
  const storage = createStorage(backing, report)
  const queue = createQueue(storage, 'uf-queue-k@e:me', maxSize, report, () => true)
  return { backing, report, queue, storage }
}
const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve))

describe('queue', () => {
  it('merges only into the last entry, and only for the same identity and flag', () => {
    const { queue } = setup()
    expect(queue.add(undefined, 'a1', false, { x: 1 }, 5)).toBe(false)
    expect(queue.add(undefined, 'a1', false, { y: 2, x: 3 }, 11)).toBe(true)
    expect(queue.add('u', 'a1', false, { z: 1 }, 5)).toBe(false)
    expect(queue.add(undefined, 'a1', false, { x: 4 }, 5)).toBe(false) // not merged back: order
    expect(queue.add(undefined, 'a1', true, { x: 5 }, 5)).toBe(false)
    expect(queue.entries.map((entry) => [entry.u, entry.l, entry.p])).toEqual([
      [undefined, false, { x: 3, y: 2 }],
      ['u', false, { z: 1 }],
      [undefined, false, { x: 4 }],
      [undefined, true, { x: 5 }],
    ])
  })

  it('never merges into an entry on the wire', () => {
    const { queue } = setup()
    queue.add(undefined, 'a', false, { x: 1 }, 5)
    queue.entries[0][BUSY] = true
    queue.add(undefined, 'a', false, { x: 2 }, 5)
    expect(queue.entries.map((entry) => entry.p)).toEqual([{ x: 1 }, { x: 2 }])
  })

  it('starts a new entry before one grows past the per-request size limit', () => {
    const { queue } = setup()
    const add = (properties: Record<string, string>) => queue.add(undefined, 'a', false, properties, JSON.stringify(properties).length)
    add({ x: 'a'.repeat(30_000) })
    add({ y: 'b'.repeat(3_000) })
    expect(queue.entries.map((entry) => Object.keys(entry.p))).toEqual([['x'], ['y']])
  })

  it('keeps a long burst of the same keys in one entry: its real size does not grow', () => {
    const { queue } = setup()
    for (let i = 0; i < 10_000; i++) {
      const properties = { plan: 'pro', seats: i, note: 'n'.repeat(100) }
      queue.add(undefined, 'a', false, properties, JSON.stringify(properties).length)
    }
    expect(queue.entries).toHaveLength(1)
    expect(queue.entries[0].p.seats).toBe(9999)
    expect(queue.entries[0].n).toBeLessThan(MAX_UPDATE_BYTES)
  })

  it('persists once per task, and removes its key when empty', async () => {
    const { backing, queue } = setup()
    for (let i = 0; i < 50; i++) queue.add(undefined, 'a', i % 2 == 0, { i }, 7)
    expect(backing.writes).toBe(0)
    await tick()
    expect(backing.writes).toBe(1)
    expect(JSON.parse(backing.data.get('uf-queue-k@e:me')!).q).toHaveLength(50)
    queue.clear()
    await tick()
    expect(backing.data.has('uf-queue-k@e:me')).toBe(false)
  })

  it('adopts another page\'s entries ahead of its own, keeping valid ones and reporting corrupt ones', async () => {
    const { backing, queue, report } = setup()
    queue.add(undefined, 'mine', false, { mine: 1 }, 10)
    backing.data.set('uf-queue-k@e:other', JSON.stringify({ t: Date.now(), q: [{ a: 'old', l: false, n: 9, p: { old: 1 } }, { broken: true }] }))
    expect(queue.adoptFrom('uf-queue-k@e:other')).toBe(true)
    expect(queue.entries.map((entry) => entry.p)).toEqual([{ old: 1 }, { mine: 1 }])
    expect(backing.data.has('uf-queue-k@e:other')).toBe(false)
    expect(report).toHaveBeenCalledWith(expect.objectContaining({ code: 'storage' }))
  })

  it('leaves a recently written queue alone when asked for a minimum age', () => {
    const { backing, queue } = setup()
    backing.data.set('uf-queue-k@e:other', JSON.stringify({ t: Date.now(), q: [{ a: 'x', l: false, n: 1, p: {} }] }))
    expect(queue.adoptFrom('uf-queue-k@e:other', 60_000)).toBe(false)
    expect(backing.data.has('uf-queue-k@e:other')).toBe(true)
  })

  it('drops the oldest entry past the cap, but not one on the wire', () => {
    const { queue, report } = setup(2)
    queue.add(undefined, 'a', false, { n: 0 }, 5)
    queue.entries[0][BUSY] = true
    queue.add(undefined, 'a', true, { n: 1 }, 5)
    queue.add(undefined, 'a', false, { n: 2 }, 5)
    expect(queue.entries.map((entry) => entry.p)).toEqual([{ n: 0 }, { n: 2 }])
    expect(report).toHaveBeenCalledWith(expect.objectContaining({ code: 'queue-full' }))
  })
})

describe('several clients', () => {
  it('clients of different keys or endpoints keep separate queues; a storagePrefix separates everything', async () => {
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
    expect(keys.filter((key) => key.startsWith('uf-queue-one@https://integration-api.userflux.co:'))).toHaveLength(1)
    expect(keys.filter((key) => key.startsWith('uf-queue-two@https://proxy.example:'))).toHaveLength(1)
    expect(keys.filter((key) => key.startsWith('other-'))).toEqual(expect.arrayContaining(['other-anonymousId']))
    expect(three.anonymousId).not.toBe(one.anonymousId)
    expect(two.anonymousId).toBe(one.anonymousId) // the same visitor, under the shared prefix
  })
})
