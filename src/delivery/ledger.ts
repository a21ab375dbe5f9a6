import type { Entry } from './queue.js'
import type { SafeStorage } from '../browser/storage.js'

/** Pairs (anonymousId, key) remembered at most; past it the oldest stamps are forgotten. */
const MAX_PAIRS = 1000

/** What was delivered: per anonymousId, per property key, the stamp of the newest value the API accepted. */
type Delivered = Record<string, Record<string, number>>

export interface Ledger {
  /** A stamp newer than every value set or delivered so far, in any tab of the origin. */
  _stamp(): number
  /**
   * Drops from `entry` the values that are not newer than one already delivered for the same
   * anonymousId and key (by any tab): what was adopted from a closed tab, restored from the
   * back/forward cache, or delivered already by a keepalive whose answer was never seen.
   */
  _prune(entry: Entry): void
  /** The API accepted `entry`. */
  _record(entry: Entry): void
}

/**
 * Origin-wide order of values. Every value queued gets a stamp (microseconds, strictly increasing
 * within a page and above everything delivered by any tab, so a clock set back cannot make a new
 * value look old). The newest delivered stamp of each (anonymousId, key) is kept in storage under
 * `key`, read and written under the origin-wide send lock, so a value never overwrites a newer one
 * for the same key and identity, whichever tab delivers it and whenever.
 */
export function createLedger(storage: SafeStorage, key: string): Ledger {
  let last = 0
  const read = (): Delivered => {
    try {
      const parsed = JSON.parse(storage._get(key) || '{}')
      if (parsed?.constructor == Object) return parsed
    } catch {}
    // Corrupt or unreadable: start afresh (a record lost only allows what it would have dropped).
    return {}
  }
  const see = (delivered: Delivered) => {
    for (const id in delivered) for (const name in delivered[id]) last = Math.max(last, delivered[id][name])
  }
  see(read())
  // Another tab delivered: later values of this page must still be newer.
  storage._watch((changed) => changed == key && see(read()))

  return {
    _stamp: () => (last = Math.max(Date.now() * 1000, last + 1)),
    _prune(entry) {
      const delivered = read()[entry.a]
      if (delivered) {
        for (const name in entry.p) {
          if ((entry.t[name] || 0) <= delivered[name]) delete entry.p[name], delete entry.t[name]
        }
      }
    },
    _record(entry) {
      const delivered = read()
      const own = (delivered[entry.a] ||= {})
      for (const name in entry.p) own[name] = Math.max(own[name] || 0, entry.t[name] || 0)
      const pairs: [string, string, number][] = []
      for (const id in delivered) for (const name in delivered[id]) pairs.push([id, name, delivered[id][name]])
      if (pairs.length > MAX_PAIRS) {
        pairs.sort((x, y) => x[2] - y[2])
        for (const [id, name] of pairs.slice(0, pairs.length - MAX_PAIRS)) {
          delete delivered[id][name]
          if (!Object.keys(delivered[id]).length) delete delivered[id]
        }
      }
      see(delivered)
      storage._set(key, JSON.stringify(delivered))
    },
  }
}
