import { UserFluxError } from '../core/errors.js'
import { corrupt, type SafeStorage } from '../browser/storage.js'
import type { Properties } from '../types.js'
import { utf8Length, MAX_UPDATE_BYTES } from '../core/validate.js'

/**
 * Marks an entry being sent: it is then never merged into, nor sent twice. A symbol key, so that
 * `JSON.stringify` leaves it out of what is persisted.
 */
export const BUSY = Symbol()
/** Exact UTF-8 size of each `"key":value` of an entry, kept once an entry nears its size limit. */
const SIZES = Symbol()

/** One pending request. Short keys: entries are persisted as JSON on every change. */
export interface Entry {
  [BUSY]?: boolean
  [SIZES]?: Map<string, number>
  /** userId, absent while anonymous */
  u?: string
  /** anonymousId */
  a: string
  /** locationEnrichment */
  l: boolean
  /** externalId, while there is one */
  e?: string
  p: Properties
  /** The stamp (ledger.ts) of each value in `p`: the origin-wide order of values across tabs. */
  t: Record<string, number>
  /** UTF-8 bytes of `p` as JSON: the sum over the updates merged into it (an upper bound), exact near the limit. */
  n: number
  /** The stamp of the first update in it: adopted queues are merged with this page's in this order. */
  s: number
}

export type Identity = Pick<Entry, 'u' | 'a' | 'l' | 'e'>

export interface Queue {
  readonly _entries: readonly Entry[]
  /** Queues an update, merging it into the last entry when that one is for the same identity and has room. */
  _add(identity: Identity, properties: Properties, size: number, stamp: number): boolean
  _remove(entry: Entry): void
  /** Takes over the entries another page left under `key`, if they were last written `minAge` ms ago or more. */
  _adoptFrom(key: string, minAge?: number): boolean
  /** Moves the queued anonymous updates of a provisional id to the id that won. */
  _relabel(from: string, to: string): void
  _clear(): void
  /** Persists again (refreshing the write time that other tabs judge staleness by). */
  _touch(): void
  /** From now on this page only hands its updates over: each write goes to a new key, for another page to adopt. */
  _handOver(newKey: () => string): void
  /** Forgets the entries (another page may have adopted them meanwhile) and goes on under `newKey`. */
  _restart(newKey: string): void
  readonly _key: string
}

// Enough to send it as it was queued; whatever else is wrong the API will say.
const isEntry = (entry: any): entry is Entry => typeof entry?.a == 'string' && typeof entry.n == 'number' && entry.p?.constructor == Object

const pairSize = (name: string, value: unknown) => utf8Length(JSON.stringify(name)) + utf8Length(JSON.stringify(value)) + 2

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
  let handingOver: (() => string) | undefined

  const persist = () => {
    scheduled = false
    if (entries.length && canStore()) {
      storage._set(key, JSON.stringify({ t: Date.now(), q: entries }))
      if (handingOver) (entries.length = 0), (key = handingOver())
    } else storage._remove(key)
  }
  // Once per task, not once per call: a burst of updates costs one write, and the write still lands
  // before the task ends, so a page closed right after a call keeps the update.
  const changed = () => {
    if (!scheduled) {
      scheduled = true
      queueMicrotask(persist)
    }
  }
  // Entries on the wire are out of the door already: the cap counts those still waiting.
  const cap = () => {
    let waiting = entries.filter((entry) => !entry[BUSY]).length
    for (; waiting > maxSize; waiting--) {
      entries.splice(entries.findIndex((entry) => !entry[BUSY]), 1)
      report(new UserFluxError('queue-full', 'queue full: oldest update dropped'))
    }
  }

  /** Merges `p` into `last` if it stays within the size limit, counting exact bytes near it. */
  const mergeInto = (last: Entry, p: Properties, n: number, stamp: number) => {
    let sizes = last[SIZES]
    if (!sizes && last.n + n > MAX_UPDATE_BYTES) {
      // The sum over-counts keys set again: measure what the entry really weighs, and near the
      // limit keep it exact key by key, so a long burst there costs the same per call.
      last[SIZES] = sizes = new Map()
      last.n = 1
      for (const name in last.p) sizes.set(name, pairSize(name, last.p[name])), (last.n += sizes.get(name)!)
    }
    let size = last.n + n
    const fresh = sizes && new Map<string, number>()
    if (sizes) {
      size = last.n
      for (const name in p) fresh!.set(name, pairSize(name, p[name])), (size += fresh!.get(name)! - (sizes.get(name) || 0))
    }
    if (size > MAX_UPDATE_BYTES) return false
    Object.assign(last.p, p)
    for (const name in p) last.t[name] = stamp
    fresh?.forEach((value, name) => sizes!.set(name, value))
    last.n = size
    // Far from the limit, summing again is cheaper per call than measuring key by key: a burst of
    // the same keys re-measures once in a long while, and only an entry near the limit stays exact.
    if (size < MAX_UPDATE_BYTES / 2) last[SIZES] = undefined
    return true
  }

  /** Updates of one identity (user, visitor, enrichment flag, external id) may share a request. */
  const sameIdentity = (x: Identity, y: Identity) => x.u === y.u && x.a === y.a && x.l === y.l && x.e === y.e

  return {
    _entries: entries,
    get _key() {
      return key
    },
    _add(identity, p, n, stamp) {
      const last = entries[entries.length - 1]
      const merged =
        !!last &&
        !last[BUSY] &&
        sameIdentity(last, identity) &&
        mergeInto(last, p, n, stamp)
      if (!merged) {
        const t: Record<string, number> = {}
        for (const name in p) t[name] = stamp
        entries.push({ ...identity, p, t, n, s: stamp })
        cap()
      }
      changed()
      return merged
    },
    _remove(entry) {
      const index = entries.indexOf(entry)
      if (index >= 0) entries.splice(index, 1), changed()
    },
    _adoptFrom(foreignKey, minAge = 0) {
      const raw = storage._get(foreignKey)
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
      storage._remove(foreignKey)
      for (const entry of found) (entry.t ||= {}), (entry.s ||= 0)
      // Merged with what waits here in the order the updates were made (stamps are origin-wide);
      // entries on the wire stay first. Should an adopted value be older than one delivered since,
      // the ledger drops it before it is sent.
      const waiting: Entry[] = []
      for (const entry of entries.filter((entry) => !entry[BUSY]).concat(found).sort((x, y) => x.s - y.s)) {
        const last = waiting[waiting.length - 1]
        // Neighbours for the same identity coalesce, as they would have in one page, newest value first.
        if (last && sameIdentity(last, entry) && last.n + entry.n <= MAX_UPDATE_BYTES) {
          for (const name in entry.p) if ((entry.t[name] || 0) >= (last.t[name] || 0)) (last.p[name] = entry.p[name]), (last.t[name] = entry.t[name])
          last.n += entry.n
          last[SIZES] = undefined
        } else waiting.push(entry)
      }
      entries.splice(0, entries.length, ...entries.filter((entry) => entry[BUSY]), ...waiting)
      cap()
      changed()
      return found.length > 0
    },
    _relabel(from, to) {
      // Never an identified user's updates: those stay with the id they were made under.
      for (const entry of entries) if (entry.a == from && !entry.u) entry.a = to
      changed()
    },
    _clear() {
      entries.length = 0
      changed()
    },
    _touch: changed,
    _handOver(newKey) {
      handingOver = newKey
      // What is queued so far is under the current key: release it as it is.
      entries.length = 0
      key = newKey()
    },
    _restart(newKey) {
      entries.length = 0
      key = newKey
    },
  }
}
