import { UserFluxError } from '../core/errors.js'
import { dictionaryOf, put, MAX_UPDATE_BYTES } from '../core/validate.js'
import { corrupt, type SafeStorage } from '../browser/storage.js'
import type { Properties } from '../types.js'
import { BUSY, SIZES, mergeEntries, pairSize, sameIdentity, type Entry, type Identity } from './entry.js'
import { readQueue, writeQueue } from './queue-format.js'

export { BUSY, type Entry, type Identity } from './entry.js'

export interface Queue {
  readonly _entries: readonly Entry[]
  /** Queues an update, merging it into the last entry when that one is for the same identity and has room. */
  _add(identity: Identity, properties: Properties, size: number, stamp: number, link?: boolean): boolean
  _remove(entry: Entry): void
  /**
   * Takes over the entries other pages left under `keys`, those last written `minAge` ms ago or more,
   * in one step: the size cap applies to all of them at once. True when any entry was taken.
   */
  _adoptFrom(keys: string[], minAge?: number): boolean
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

/** Far from the size limit, summing sizes is cheaper per call than measuring key by key. */
const EXACT_BELOW = MAX_UPDATE_BYTES / 2

/**
 * The pending updates of this page, in call order, persisted under `key` (queue format v1,
 * queue-format.ts). Only the last entry is ever merged into, so the server sees every key's values in
 * call order.
 */
export function createQueue(
  storage: SafeStorage,
  key: string,
  endpoint: string,
  maxSize: number,
  report: (error: UserFluxError) => void,
  canStore: () => boolean,
): Queue {
  const entries: Entry[] = []
  let scheduled = false
  let handingOver: (() => string) | undefined

  const persist = () => {
    scheduled = false
    // A microtask of its own: nothing may throw from it into the page (a page that gave
    // Object.prototype a throwing toJSON makes JSON.stringify throw on any object).
    try {
      if (entries.length && canStore()) {
        storage._set(key, writeQueue(entries, endpoint))
        if (handingOver) {
          entries.length = 0
          key = handingOver()
        }
      } else storage._remove(key)
    } catch (error) {
      report(new UserFluxError('internal', 'queue not stored: ' + error))
    }
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
      entries.splice(
        entries.findIndex((entry) => !entry[BUSY]),
        1,
      )
      report(new UserFluxError('queue-full', 'queue full: oldest update dropped'))
    }
  }

  /** Merges `properties` into `last` if it stays within the size limit, counting exact bytes near it. */
  const mergeInto = (last: Entry, properties: Properties, bytes: number, stamp: number) => {
    let sizes = last[SIZES]
    if (!sizes && last.bytes + bytes > MAX_UPDATE_BYTES) {
      // The sum over-counts keys set again: measure what the entry really weighs, and near the
      // limit keep it exact key by key, so a long burst there costs the same per call.
      last[SIZES] = sizes = new Map()
      last.bytes = 1
      for (const name of Object.keys(last.properties)) {
        const pair = pairSize(name, last.properties[name])
        sizes.set(name, pair)
        last.bytes += pair
      }
    }
    const names = Object.keys(properties)
    let size = last.bytes + bytes
    const fresh = sizes && new Map<string, number>()
    if (sizes) {
      size = last.bytes
      for (const name of names) {
        const pair = pairSize(name, properties[name])
        fresh!.set(name, pair)
        size += pair - (sizes.get(name) || 0)
      }
    }
    if (size > MAX_UPDATE_BYTES) return false
    for (const name of names) {
      put(last.properties, name, properties[name])
      last.stamps.set(name, stamp)
    }
    fresh?.forEach((pair, name) => sizes!.set(name, pair))
    last.bytes = size
    if (size < EXACT_BELOW) last[SIZES] = undefined
    return true
  }

  /** The valid entries stored under `foreignKey`, which is removed; undefined to leave it alone. */
  const take = (foreignKey: string, minAge: number): Entry[] | undefined => {
    const raw = storage._get(foreignKey)
    if (!raw) return
    const found = readQueue(raw)
    // A newer build's queue: not ours to read, nor to delete (SPEC §13).
    if (found == 'unknown') return
    // Either way: a queue written before the clock was set back is as old as its distance from now.
    if (found && minAge && Math.abs(Date.now() - found._writtenAt) < minAge) return
    // Corrupt entries are reported and left out; their valid neighbours are still delivered.
    if (!found || found._bad) report(corrupt(foreignKey))
    storage._remove(foreignKey)
    return found?._entries
  }

  return {
    _entries: entries,
    get _key() {
      return key
    },
    _add(identity, properties, bytes, stamp, link) {
      const last = entries[entries.length - 1]
      const merged = !!last && !last[BUSY] && sameIdentity(last, identity) && mergeInto(last, properties, bytes, stamp)
      if (merged && link) last.link = true
      if (!merged) {
        const stamps = new Map<string, number>()
        for (const name of Object.keys(properties)) stamps.set(name, stamp)
        entries.push({ ...identity, ...(link && { link }), properties: dictionaryOf(properties), stamps, bytes, firstStamp: stamp })
        cap()
      }
      changed()
      return merged
    },
    _remove(entry) {
      const index = entries.indexOf(entry)
      if (index >= 0) {
        entries.splice(index, 1)
        changed()
      }
    },
    _adoptFrom(foreignKeys, minAge = 0) {
      if (!canStore()) return false
      const found: Entry[] = []
      for (const foreignKey of foreignKeys) found.push(...(take(foreignKey, minAge) || []))
      if (!found.length) return false
      // Merged with what waits here in the order the updates were made (stamps are origin-wide);
      // entries on the wire stay first. Should an adopted value be older than one delivered since,
      // the ledger drops it before it is sent.
      const waiting: Entry[] = []
      for (const entry of entries
        .filter((entry) => !entry[BUSY])
        .concat(found)
        .sort((x, y) => x.firstStamp - y.firstStamp)) {
        const last = waiting[waiting.length - 1]
        // Neighbours for the same identity coalesce, as they would have in one page.
        if (!last || !mergeEntries(last, entry)) waiting.push(entry)
      }
      entries.splice(0, entries.length, ...entries.filter((entry) => entry[BUSY]), ...waiting)
      cap()
      changed()
      return true
    },
    _relabel(from, to) {
      // Never an identified user's updates: those stay with the id they were made under.
      for (const entry of entries) if (entry.anonymousId == from && !entry.userId) entry.anonymousId = to
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
