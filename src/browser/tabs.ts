import { nanoid } from 'nanoid'
import { SCRIPT_TAG } from '../core/build.js'
import { readQueue } from '../delivery/queue-format.js'
import type { Entry, Queue } from '../delivery/queue.js'
import { wireLeft } from '../delivery/wire-clock.js'
import { holdLock, ifLocksFree, hasLocks } from './locks.js'
import type { SafeStorage } from './storage.js'

/** Without Web Locks a tab cannot tell a live tab from a dead one; it waits this long for it to send. */
const STALE_AFTER = 10 * 60_000
/** A closing page releases its lock a moment after its last write; look for its queue then. */
const ADOPT_DELAY = 1000
/**
 * A locked queue written this recently may belong to a page that is closing: its lock is released
 * a moment later. Adoption waits for it (up to MAX_WAITS times), so that closed pages' queues are
 * taken in one step and the queue cap applies to all of them at once.
 */
const CLOSING_WITHIN = 2000
const MAX_WAITS = 4
/** Another write key's queue untouched this long is another project's, gone: forgotten so storage cannot fill up. */
const FOREIGN_EXPIRY = 30 * 86_400_000

export interface Tabs {
  /** The page is being left (it may come back from the back/forward cache). */
  _leave(): void
  /** Call before using the queue: a page back from the back/forward cache starts afresh first. */
  _awake(): void
  /** Sending is paused for this page's life: let other pages deliver what it queues. */
  _handOver(): void
  /**
   * Reads every other page's stored queue once per task, before this page stamps a value: what they
   * queued a moment ago (their storage events not yet here) was set before it, whatever the wall
   * clock each page started with (issue 25 case 5).
   */
  _seeNow(): void
  /** The entries of every other page's stored queue of this client (delivery.ts asks before a send what may be on the wire). */
  _elsewhere(): Entry[]
  /** The oldest stamp of any value still queued, by this page or in another page's stored queue (Infinity: none). */
  _oldestQueued(): number
}

export interface QueueScope {
  /** `<prefix>-queue-v1|<encoded writeKey>|`: this client's pages' queues, format v1. */
  _own: string
  /** `<prefix>-queue-`: every queue of the snippet, of any write key and format. */
  _all: string
  /** Whether a key under `_all` is a queue of this write key in an earlier format (any endpoint). */
  _legacy(key: string): boolean
}

/**
 * Each page keeps its own queue under `<scope><pageId>`, so tabs never overwrite each other's
 * pending updates and an update is only ever sent by the page that owns it. A page holds a Web
 * Lock named after its key while it lives; a queue whose lock is free belongs to a closed, crashed,
 * paused or cached page, and a live page adopts it: at its start, and when another page's queue
 * changes (a closing page writes its queue once more as it goes). Queues of this write key left by
 * earlier releases, or under another endpoint, are adopted the same way (SPEC §13).
 */
export function shareWithTabs(
  storage: SafeStorage,
  queue: Queue,
  scope: QueueScope,
  /** Told when this page adopted queues, or another page's queue changed: what waited for them may go. */
  adopted: () => void,
  /** Told the newest stamp of every other page's queue: this page's next values are stamped above it. */
  seen: (stamp: number) => void,
  safely: <A extends unknown[]>(task: (...args: A) => void) => (...args: A) => void,
): Tabs {
  const newKey = () => scope._own + nanoid(10)
  let release = () => {}
  let left = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let waits = 0
  let handingOver = false

  const later = (delay: number) => {
    clearTimeout(timer)
    timer = setTimeout(safely(() => adoptOrphans()), delay)
  }
  const writtenAt = (key: string) => {
    const found = readQueue(storage._get(key) || '')
    return typeof found == 'object' ? found._writtenAt : 0
  }
  // Without Web Locks: since when (this page's monotonic clock) each other page's queue is unchanged.
  // A wall clock set ahead must not make a live tab's queue look abandoned (found case C2): once this
  // page has seen a queue, its age runs on this page's own clock. One first seen is as old as its
  // write time says, the only clue there is.
  const quiet = new Map<string, [writtenAt: number, since: number]>()
  const quietFor = (key: string) => {
    const at = writtenAt(key)
    const known = quiet.get(key)
    if (known?.[0] !== at) quiet.set(key, [at, performance.now() - (known ? 0 : Math.abs(Date.now() - at))])
    return performance.now() - quiet.get(key)![1]
  }
  const adoptOrphans = (previous?: string) => {
    // A page paused by a 401 hands its updates over: taking other pages' back would pass one queue
    // to and fro between paused tabs for ever (issue 25 case 12).
    if (handingOver) return
    const keys = storage._keys(scope._all).filter((key) => key != queue._key && key != previous && (key.startsWith(scope._own) || scope._legacy(key)))
    const take = (found: string[], minAge?: number) => queue._adoptFrom(found, minAge) && adopted()
    if (!hasLocks()) {
      // This page's own queue from before the back/forward cache, unless another page took it.
      if (previous) {
        take([previous])
        adopted()
      }
      const ages = keys.map(quietFor)
      take(keys.filter((_, index) => ages[index] >= STALE_AFTER))
      // Looked at again when the next of them turns stale: a closed tab's update is not left behind.
      const next = Math.min(...ages.filter((age) => age < STALE_AFTER).map((age) => STALE_AFTER - age))
      if (next < Infinity) later(next + ADOPT_DELAY)
      return
    }
    // This page's own queue from before the back/forward cache first, unless another page took it.
    ifLocksFree(previous ? [previous, ...keys] : keys, (free) => {
      if (previous) {
        if (free.includes(previous)) take([previous])
        // Back from the back/forward cache: whatever came back or went elsewhere, flush() calls
        // waiting for the old queue can be answered now.
        adopted()
      }
      const closing = keys.some((key) => !free.includes(key) && Math.abs(Date.now() - writtenAt(key)) < CLOSING_WITHIN)
      if (closing && waits++ < MAX_WAITS) return later(ADOPT_DELAY)
      waits = 0
      take(free.filter((key) => key != previous))
    })
  }
  /** What another page queued was set before anything this page sets now, whatever the wall clock says. */
  const see = (stored: string | null | undefined) => {
    const found = readQueue(stored || '')
    if (typeof found == 'object')
      for (const entry of found._entries) {
        entry.stamps.forEach(seen)
        // Its wire mark too, while the wall clock may still be right (wire-clock.ts).
        if (entry.wireUntil) wireLeft(entry.wireUntil)
      }
  }
  let seenThisTask = false
  const elsewhere = () => {
    const entries: Entry[] = []
    for (const key of storage._keys(scope._all)) {
      if (key == queue._key || !(key.startsWith(scope._own) || scope._legacy(key))) continue
      const found = readQueue(storage._get(key) || '')
      if (typeof found == 'object') entries.push(...found._entries)
    }
    return entries
  }
  const survey = () => {
    for (const key of storage._keys(scope._all)) {
      if (key.startsWith(scope._own) || scope._legacy(key)) see(storage._get(key))
      else {
        const at = writtenAt(key)
        if (at && Math.abs(Date.now() - at) > FOREIGN_EXPIRY) storage._remove(key)
      }
    }
  }
  const start = (previous?: string) => {
    queue._restart(newKey())
    release = holdLock(queue._key, safely(() => adoptOrphans(previous)))
  }

  survey()
  start()
  storage._watch((key, stored) => {
    if (key?.startsWith(scope._all) && key != queue._key) {
      see(stored)
      later(ADOPT_DELAY)
      // What waited for another page's queue (delivery.ts, found case L2) may go now.
      adopted()
    }
  })
  return {
    _leave() {
      left = true
      // An adoption due now would take queues into a destroyed client (never the script tag's; a page
      // going into the back/forward cache runs no timer).
      if (!SCRIPT_TAG) clearTimeout(timer)
      // Written once more, so that live tabs look for it once its lock is free.
      queue._touch()
      // Releasing the lock in pagehide keeps the page eligible for the back/forward cache.
      release()
    },
    _awake() {
      // Back from the back/forward cache: what this page queued before may have been adopted and
      // sent by another page meanwhile. It starts under a new key and adopts its own old queue like
      // any orphan, only if nobody else did.
      if (left) {
        left = false
        start(queue._key)
      }
    },
    _seeNow() {
      if (seenThisTask) return
      seenThisTask = true
      queueMicrotask(() => (seenThisTask = false))
      for (const key of storage._keys(scope._own)) if (key != queue._key) see(storage._get(key))
    },
    _elsewhere: elsewhere,
    _oldestQueued() {
      let oldest = Infinity
      for (const entry of [...queue._entries, ...elsewhere()]) entry.stamps.forEach((stamp) => (oldest = Math.min(oldest, stamp)))
      return oldest
    },
    _handOver() {
      handingOver = true
      release()
      queue._handOver(newKey)
    },
  }
}
