import { UserFluxError } from './errors.js'
import { corrupt, type SafeStorage } from './storage.js'
import type { Properties } from './types.js'
import { byteLength, MAX_UPDATE_BYTES } from './validate.js'

/**
 * Marks an entry being sent: it is then never merged into, nor sent twice. A symbol key, so that
 * `JSON.stringify` leaves it out of what is persisted.
 */
export const BUSY = Symbol()

/** One pending request. Short keys: entries are persisted as JSON on every change. */
export interface Entry {
  [BUSY]?: boolean
  /** userId, absent while anonymous */
  u?: string
  /** anonymousId */
  a: string
  /** locationEnrichment */
  l: boolean
  p: Properties
  /** Bytes of `p` as JSON: the sum over the updates merged into it (an upper bound), made exact near the limit. */
  n: number
}

export interface Queue {
  readonly entries: readonly Entry[]
  /** Queues an update, merging it into the last entry when that one is for the same identity. */
  add(userId: string | undefined, anonymousId: string, locationEnrichment: boolean, properties: Properties, size: number): boolean
  remove(entry: Entry): void
  /** Takes over the entries another tab left under `key`, if they were last written `minAge` ms ago or more. */
  adoptFrom(key: string, minAge?: number): boolean
  relabel(from: string, to: string): void
  clear(): void
  /** Persists again (refreshing the write time that other tabs judge staleness by). */
  touch(): void
}

// Enough to send it as it was queued; whatever else is wrong the API will say.
const isEntry = (entry: any): entry is Entry => typeof entry?.a == 'string' && typeof entry.n == 'number' && entry.p?.constructor == Object

/**
 * The pending updates of this page, in call order, persisted under `key` as `{ t, q }`.
 * Only the last entry is ever merged into, so the server sees every key's values in call order.
 */
export function createQueue(
  storage: SafeStorage,
  key: string,
  maxSize: number,
  report: (error: UserFluxError) => void,
  canStore: () => boolean,
): Queue {
  const entries: Entry[] = []
  let scheduled = false

  const persist = () => {
    scheduled = false
    if (entries.length && canStore()) storage.set(key, JSON.stringify({ t: Date.now(), q: entries }))
    else storage.remove(key)
  }
  // Once per task, not once per call: a burst of updates costs one write, and the write still lands
  // before the task ends, so a page closed right after a call keeps the update.
  const changed = () => {
    if (!scheduled) {
      scheduled = true
      queueMicrotask(persist)
    }
  }

  return {
    entries,
    add(u, a, l, p, n) {
      const last = entries[entries.length - 1]
      let merge = last && !last[BUSY] && last.u === u && last.a === a && last.l === l
      if (merge && last.n + n > MAX_UPDATE_BYTES) {
        // The sum over-counts keys set again (a burst of the same keys stays small): measure what
        // the merge would really weigh. Only near the limit, so rarely.
        const size = byteLength(JSON.stringify({ ...last.p, ...p }))
        if ((merge = size <= MAX_UPDATE_BYTES)) last.n = size - n
      }
      if (merge) {
        Object.assign(last.p, p)
        last.n += n
      } else {
        entries.push({ u, a, l, p, n })
        if (entries.length > maxSize) {
          // The oldest entry may be on the wire; then the next oldest goes.
          entries.splice(entries[0][BUSY] ? 1 : 0, 1)
          report(new UserFluxError('queue-full', 'queue full: oldest update dropped'))
        }
      }
      changed()
      return !!merge
    },
    remove(entry) {
      const index = entries.indexOf(entry)
      if (index >= 0) entries.splice(index, 1), changed()
    },
    adoptFrom(foreignKey, minAge = 0) {
      const raw = storage.get(foreignKey)
      if (!raw || !canStore()) return false
      let found: Entry[] = []
      try {
        const parsed = JSON.parse(raw)
        if (Date.now() - parsed.t < minAge) return false
        found = parsed.q.filter(isEntry)
        if (found.length < parsed.q.length) throw 0
      } catch {
        report(corrupt(foreignKey))
      }
      storage.remove(foreignKey)
      // They were queued before anything of this page that is not yet on the wire.
      let at = 0
      while (entries[at]?.[BUSY]) at++
      entries.splice(at, 0, ...found)
      changed()
      return found.length > 0
    },
    relabel(from, to) {
      for (const entry of entries) if (entry.a == from) entry.a = to
      changed()
    },
    clear() {
      entries.length = 0
      changed()
    },
    touch: changed,
  }
}
