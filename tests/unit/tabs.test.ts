import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { shareWithTabs, type QueueScope } from '../../src/browser/tabs.js'
import { createQueue } from '../../src/delivery/queue.js'
import { createStorage } from '../../src/browser/storage.js'
import { holdLock } from '../../src/browser/locks.js'
import { FakeLocks } from '../support/fake-locks.js'
import { MemoryStorage } from '../support/memory-storage.js'

const scope: QueueScope = { _own: 'uf-queue-v1|wk|', _all: 'uf-queue-', _legacy: (key) => key.startsWith('uf-queue-wk%40') }
let backing: MemoryStorage
let locks: FakeLocks

/** A queue another page left under `uf-queue-v1|wk|<page>`, written `age` ms ago. */
const left = (page: string, age = 60_000, property = page) =>
  backing.data.set(
    scope._own + page,
    JSON.stringify({
      version: 1,
      writtenAt: Date.now() - age,
      endpoint: 'e',
      entries: [{ anonymousId: 'v-' + page, locationEnrichment: false, properties: { [property]: 1 }, stamps: [[property, 1]], bytes: 8, firstStamp: Date.now() - age }],
    }),
  )
const page = (maxSize = 100) => {
  const storage = createStorage(backing, () => {})
  const queue = createQueue(storage, 'unused', 'e', maxSize, () => {}, () => true)
  const adopted = vi.fn()
  const seen = vi.fn()
  const tabs = shareWithTabs(storage, queue, scope, adopted, seen, (task) => task)
  return { queue, adopted, seen, tabs }
}
const adoptedPages = (queue: ReturnType<typeof page>['queue']) => queue._entries.map((entry) => entry.anonymousId).sort()

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
  backing = new MemoryStorage()
  locks = new FakeLocks()
  vi.stubGlobal('navigator', { locks })
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('with Web Locks', () => {
  it('adopts the queues of closed pages (their locks free) at start, in one step; a live page’s stays', async () => {
    left('closed-1')
    left('closed-2')
    left('alive')
    const release = holdLock(scope._own + 'alive')
    await vi.advanceTimersByTimeAsync(0)
    const { queue, adopted } = page()
    await vi.advanceTimersByTimeAsync(0)
    expect(adoptedPages(queue)).toEqual(['v-closed-1', 'v-closed-2'])
    expect(adopted).toHaveBeenCalledOnce()
    expect(backing.data.has(scope._own + 'alive')).toBe(true)
    release()
  })

  it("waits for a page that is closing (locked, written just now), then takes it with the others in one step", async () => {
    left('closed', 60_000)
    left('closing', 100)
    const release = holdLock(scope._own + 'closing')
    await vi.advanceTimersByTimeAsync(0)
    const { queue, adopted } = page(1)
    await vi.advanceTimersByTimeAsync(0)
    // Not yet: the closed page's queue waits for the closing one, so the cap (1) applies to both at once.
    expect(queue._entries).toHaveLength(0)
    release()
    await vi.advanceTimersByTimeAsync(1000)
    expect(adopted).toHaveBeenCalledOnce()
    // The newer of the two is kept under the cap of 1.
    expect(adoptedPages(queue)).toEqual(['v-closing'])
    expect(backing.data.has(scope._own + 'closed')).toBe(false)
    expect(backing.data.has(scope._own + 'closing')).toBe(false)
  })

  it('waits a bounded number of times for a page that keeps writing, then takes the free ones', async () => {
    left('closed', 60_000)
    const release = holdLock(scope._own + 'busy')
    await vi.advanceTimersByTimeAsync(0)
    left('busy', 0)
    const { queue } = page()
    await vi.advanceTimersByTimeAsync(0)
    // It waits first, as for a closing page…
    expect(queue._entries).toHaveLength(0)
    // …but not for ever.
    for (let i = 0; i < 10 && !queue._entries.length; i++) {
      left('busy', 0) // it is alive and writes again
      await vi.advanceTimersByTimeAsync(1000)
    }
    expect(adoptedPages(queue)).toEqual(['v-closed'])
    expect(backing.data.has(scope._own + 'busy')).toBe(true)
    release()
  })

  it("adopts a legacy queue of this write key and ignores another key's", async () => {
    backing.data.set('uf-queue-wk%40https%3A%2F%2Fold.example|p', JSON.stringify({ t: Date.now() - 60_000, q: [{ a: 'legacy', l: false, p: { x: 1 }, n: 7 }] }))
    backing.data.set('uf-queue-v1|other|p', JSON.stringify({ version: 1, writtenAt: Date.now() - 60_000, endpoint: 'e', entries: [] }))
    const { queue } = page()
    await vi.advanceTimersByTimeAsync(0)
    expect(adoptedPages(queue)).toEqual(['legacy'])
    expect(backing.data.has('uf-queue-v1|other|p')).toBe(true)
  })

  it('a page paused by a 401 hands its updates over and adopts nothing more', async () => {
    const { queue, tabs } = page()
    await vi.advanceTimersByTimeAsync(0)
    tabs._handOver()
    left('closed')
    tabs._leave()
    tabs._awake()
    await vi.advanceTimersByTimeAsync(2000)
    expect(queue._entries).toHaveLength(0)
    expect(backing.data.has(scope._own + 'closed')).toBe(true)
  })
})

describe('stamps', () => {
  it("every stamp of this key's other queues is seen at start: this page's next values are stamped above them", () => {
    left('live-1', 0, 'a')
    backing.data.set(
      scope._own + 'live-2',
      JSON.stringify({ version: 1, writtenAt: Date.now(), endpoint: 'e', entries: [{ anonymousId: 'v', locationEnrichment: false, properties: { b: 1, c: 2 }, stamps: [['b', 7e15], ['c', 8e15]], bytes: 13, firstStamp: 7e15 }] }),
    )
    backing.data.set('uf-queue-v1|other|p', JSON.stringify({ version: 1, writtenAt: Date.now(), endpoint: 'e', entries: [{ anonymousId: 'v', locationEnrichment: false, properties: { d: 1 }, stamps: [['d', 9e15]], bytes: 7, firstStamp: 9e15 }] }))
    const { seen } = page()
    const stamps = seen.mock.calls.map(([stamp]) => stamp)
    expect(stamps).toEqual(expect.arrayContaining([7e15, 8e15]))
    // Another write key's queue is another project's: its stamps say nothing about this one.
    expect(stamps).not.toContain(9e15)
  })
})

describe('without Web Locks', () => {
  it('a queue written before the clock was set back counts as old as its distance from now', () => {
    vi.stubGlobal('navigator', {})
    left('future', -11 * 60_000) // written "11 minutes from now"
    const { queue } = page()
    expect(adoptedPages(queue)).toEqual(['v-future'])
  })

  it('adopts only queues untouched for 10 minutes, and looks again when the next one turns stale', async () => {
    vi.stubGlobal('navigator', {})
    left('stale', 11 * 60_000)
    left('recent', 9 * 60_000)
    const { queue } = page()
    expect(adoptedPages(queue)).toEqual(['v-stale'])
    await vi.advanceTimersByTimeAsync(60_000 + 1000)
    expect(adoptedPages(queue)).toEqual(['v-recent', 'v-stale'])
  })

  it("a wall clock set a day ahead does not make a live tab's queue look abandoned: its age runs on this page's clock (found case C2)", async () => {
    vi.stubGlobal('navigator', {})
    const events = new EventTarget()
    vi.stubGlobal('addEventListener', events.addEventListener.bind(events))
    left('live', 60_000)
    const { queue } = page()
    expect(adoptedPages(queue)).toEqual([])
    // The system clock a day ahead; this page's monotonic clock does not move with it. Then another
    // tab writes its queue, and this page looks at every queue again.
    vi.setSystemTime(Date.now() + 86_400_000)
    left('another', 0)
    events.dispatchEvent(Object.assign(new Event('storage'), { key: scope._own + 'another', newValue: backing.data.get(scope._own + 'another'), storageArea: backing }))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(adoptedPages(queue)).toEqual([])
    // Ten minutes on this page's own clock since it was written, and nothing changed: abandoned.
    await vi.advanceTimersByTimeAsync(9 * 60_000)
    expect(adoptedPages(queue)).toEqual(['v-live'])
  })
})
