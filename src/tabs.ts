import { holdLock, ifLockFree } from './locks.js'
import type { Queue } from './queue.js'
import type { SafeStorage } from './storage.js'

/** Without Web Locks a tab cannot tell a live tab from a dead one; it waits this long for it to send. */
const STALE_AFTER = 10 * 60_000

export interface Tabs {
  /** The page is being left (it may come back from the back/forward cache). */
  leave(): void
  back(): void
}

/**
 * Each page keeps its own queue under `<keyPrefix><pageId>`, so tabs never overwrite each other's
 * pending updates and an update is only ever sent by the page that owns it. A page holds a Web
 * Lock named after its key while it lives; a queue whose lock is free belongs to a closed or crashed
 * page, and the next page to look adopts it.
 */
export function shareWithTabs(storage: SafeStorage, queue: Queue, keyPrefix: string, ownKey: string, adopted: () => void): Tabs {
  const adoptOrphans = () => {
    for (const key of storage.keys(keyPrefix)) {
      const adopt = (minAge?: number) => queue.adoptFrom(key, minAge) && adopted()
      if (key != ownKey && !ifLockFree(key, adopt)) adopt(STALE_AFTER)
    }
  }
  let release = holdLock(ownKey)
  adoptOrphans()
  return {
    // Releasing the lock in pagehide keeps the page eligible for the back/forward cache.
    leave: () => release(),
    back() {
      release = holdLock(ownKey, () => {
        // While this page was in the back/forward cache another page may have adopted its queue.
        if (storage.get(ownKey) === null) queue.clear()
        adoptOrphans()
      })
    },
  }
}
