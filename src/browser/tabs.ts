import { nanoid } from 'nanoid'
import { SCRIPT_TAG } from '../core/build.js'
import { holdLock, ifLocksFree } from './locks.js'
import type { Queue } from '../delivery/queue.js'
import type { SafeStorage } from './storage.js'

/** Without Web Locks a tab cannot tell a live tab from a dead one; it waits this long for it to send. */
const STALE_AFTER = 10 * 60_000
/** A closing page releases its lock a moment after its last write; look for its queue then. */
const ADOPT_DELAY = 1000

export interface Tabs {
  /** A new key for this page's queue (under the scope every page of this client shares). */
  _newKey(): string
  /** The page is being left (it may come back from the back/forward cache). */
  _leave(): void
  /** Call before using the queue: a page back from the back/forward cache starts afresh first. */
  _awake(): void
  /** Sending is paused for this page's life: let other pages deliver what it queues. */
  _handOver(): void
}

/**
 * Each page keeps its own queue under `<scope><pageId>`, so tabs never overwrite each other's
 * pending updates and an update is only ever sent by the page that owns it. A page holds a Web
 * Lock named after its key while it lives; a queue whose lock is free belongs to a closed, crashed,
 * paused or cached page, and a live page adopts it: at its start, and when another page's queue
 * changes (a closing page writes its queue once more as it goes).
 */
export function shareWithTabs(storage: SafeStorage, queue: Queue, scope: string, adopted: () => void): Tabs {
  const newKey = () => scope + nanoid(10)
  let release = () => {}
  let left = false
  let timer: ReturnType<typeof setTimeout> | undefined

  const adoptOrphans = (previous?: string) => {
    const keys = storage._keys(scope).filter((key) => key != queue._key && key != previous)
    // This page's own queue from before the back/forward cache first (it may be in memory only).
    if (previous) keys.unshift(previous)
    const take = (free: string[], minAge?: number) => free.filter((key) => queue._adoptFrom(key, minAge)).length && adopted()
    if (!ifLocksFree(keys, take)) take(keys, STALE_AFTER)
  }
  const start = (previous?: string) => {
    queue._restart(newKey())
    // This page's own queue from before the back/forward cache too, unless another page took it.
    release = holdLock(queue._key, () => adoptOrphans(previous))
  }

  start()
  storage._watch((key) => {
    if (key?.startsWith(scope) && key != queue._key) {
      clearTimeout(timer)
      timer = setTimeout(() => adoptOrphans(), ADOPT_DELAY)
    }
  })
  return {
    _newKey: newKey,
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
    _handOver() {
      release()
      queue._handOver(newKey)
    },
  }
}
