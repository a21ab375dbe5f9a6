import type { UserFluxError } from '../core/errors.js'
import { isCount, isPlainObject, isValidId } from '../core/validate.js'
import { corrupt, type SafeStorage } from '../browser/storage.js'
import { dropKey, type Entry } from './entry.js'

/**
 * Pairs (anonymousId, key) remembered; past it the oldest stamps are forgotten, but only those no
 * queued value is older than (forgetting one of those would let that stale value win once adopted:
 * issue 25 case 4), up to HARD_CAP. The record is rewritten after each delivery, so it must stay
 * small: 1,000 pairs are about 60 KB.
 */
const MAX_PAIRS = 1000
const HARD_CAP = 5000
/** The record's format (ARCHITECTURE.md, "Persisted formats"). */
const VERSION = 1
const FIELDS = ['anonymousId', 'key', 'stamp', 'valueHash', 'deliveredAt', 'ofUser'] as const
/**
 * What a user's rows are kept under in memory: no id has a control character (validate.ts), so no
 * anonymousId is ever one of these. Stored as the userId with `ofUser` 1.
 */
const USER = '\u0000'

/** What was delivered of one (anonymousId, key): the stamp of the newest value the API accepted, its hash, when. */
type Delivered = [stamp: number, valueHash: string, deliveredAt: number]

export interface Ledger {
  /** A stamp newer than every value set or delivered so far, in any tab of the origin. */
  _stamp(): number
  /**
   * Drops from `entry` the values that are older than one already delivered for the same
   * anonymousId and key (by any tab): what was adopted from a closed tab, restored from the
   * back/forward cache, or delivered already by a keepalive whose answer was never seen.
   */
  _prune(entry: Entry): void
  /** The API accepted `entry`. */
  _record(entry: Entry): void
  /** A stamp set elsewhere (another page's queue): the next stamps here are above it. */
  _see(stamp: number): void
  /**
   * Drops from `entry` the values this browser delivered already as the last value of their key for
   * the same anonymousId, less than `maxAge` ms ago: the API has them. Asked under the send lock, so
   * the record is what the server last got, whichever tab sent it.
   */
  _unchanged(entry: Entry, maxAge: number): void
}

/** A short hash of a value's JSON (FNV-1a, 32 bits): enough to tell "the same value again". */
export function valueHash(value: unknown): string {
  const text = JSON.stringify(value) ?? ''
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x1000193)
  return (hash >>> 0).toString(36)
}

/**
 * The hash an entry's value of `name` is remembered by: with its user, as a value delivered while
 * anonymous reaches the user's profile only through the link, by the API's merge, not as sent.
 */
const hashOf = (entry: Entry, name: string) => valueHash(entry.userId ? [entry.userId, entry.properties[name]] : entry.properties[name])

/**
 * Origin-wide order of values. Every value queued gets a stamp (microseconds, strictly increasing
 * within a page and above everything delivered by any tab, so a clock set back cannot make a new
 * value look old). The newest delivered stamp of each (anonymousId, key) is kept in storage under
 * `key` (`{ version: 1, fields: [...], rows: [[anonymousId, key, stamp, valueHash, deliveredAt]…] }`),
 * read and written under the origin-wide send lock, so a value never overwrites a newer one for the
 * same key and identity, whichever tab delivers it and whenever. Maps throughout: ids and property
 * names come from outside, and no outside string indexes a plain object (SPEC §14).
 * `legacyKey`: where the release before v1 kept it (`{ [anonymousId]: { [key]: stamp } }`), migrated
 * when read.
 */
export function createLedger(
  storage: SafeStorage,
  key: string,
  legacyKey: string,
  report: (error: UserFluxError) => void,
  canStore: () => boolean,
  /** The oldest stamp still queued anywhere (tabs.ts); asked only when the record outgrows MAX_PAIRS. */
  oldestQueued: () => number,
): Ledger {
  let last = 0
  let cached: string | null | undefined
  let record = new Map<string, Map<string, Delivered>>()

  const add = (into: Map<string, Map<string, Delivered>>, id: string, name: string, delivered: Delivered) => {
    let own = into.get(id)
    if (!own) into.set(id, (own = new Map()))
    const known = own.get(name)
    if (!known || known[0] <= delivered[0]) own.set(name, delivered)
  }
  const parse = (raw: string | null | undefined) => {
    const parsed = new Map<string, Map<string, Delivered>>()
    if (!raw) return parsed
    let bad = false
    try {
      const stored = JSON.parse(raw)
      if (stored?.version !== VERSION || !Array.isArray(stored.rows)) throw 0
      for (const row of stored.rows) {
        const [id, name, stamp, hash, at, ofUser] = Array.isArray(row) ? row : []
        if (isValidId(id) && typeof name == 'string' && isCount(stamp) && typeof hash == 'string' && isCount(at) && (ofUser === undefined || ofUser === 1))
          add(parsed, ofUser ? USER + id : id, name, [stamp, hash, at])
        else bad = true
      }
    } catch {
      bad = true
    }
    // Repaired (the valid rows are kept, and written back at the next delivery) and said once.
    if (bad) report(corrupt(key))
    return parsed
  }
  const read = () => {
    const raw = storage._get(key)
    // Unreadable for a moment (undefined): what this page knows stands.
    if (raw !== undefined && raw !== cached) {
      cached = raw
      record = parse(raw)
      record.forEach((own) => own.forEach(([stamp]) => (last = Math.max(last, stamp))))
    }
    return record
  }
  const write = () => {
    const rows: ([string, string, number, string, number] | [string, string, number, string, number, 1])[] = []
    record.forEach((own, id) =>
      own.forEach(([stamp, hash, at], name) => rows.push(id[0] == USER ? [id.slice(1), name, stamp, hash, at, 1] : [id, name, stamp, hash, at])),
    )
    if (rows.length > MAX_PAIRS) {
      rows.sort((x, y) => x[2] - y[2])
      // A pair whose stamp is at or below every queued value's prunes nothing any more.
      const oldest = oldestQueued()
      let forgettable = rows.findIndex((row) => row[2] > oldest)
      if (forgettable < 0) forgettable = rows.length
      for (const [id, name, , , , ofUser] of rows.splice(0, Math.max(Math.min(rows.length - MAX_PAIRS, forgettable), rows.length - HARD_CAP))) {
        const own = record.get(ofUser ? USER + id : id)!
        own.delete(name)
        if (!own.size) record.delete(ofUser ? USER + id : id)
      }
    }
    // After an opt-out nothing about the visitor is written again, a late answer included.
    if (!canStore()) return
    // Storage full: the record as it was stays for other pages; an older record only lets through
    // what a newer one would stop, none at all would let every stale value win (issue 25 case 10).
    storage._set(key, (cached = JSON.stringify({ version: VERSION, fields: FIELDS, rows })), false, true)
  }

  // The release before v1 kept stamps only: migrated once, then its key is removed.
  const legacy = storage._get(legacyKey)
  if (legacy) {
    read()
    let bad = false
    try {
      const stored = JSON.parse(legacy)
      if (!isPlainObject(stored)) throw 0
      for (const [id, own] of Object.entries(stored)) {
        if (!isValidId(id) || !isPlainObject(own)) bad = true
        else
          for (const [name, stamp] of Object.entries(own)) {
            if (!isCount(stamp)) bad = true
            else {
              add(record, id, name, [stamp, '', 0])
              last = Math.max(last, stamp)
            }
          }
      }
    } catch {
      bad = true
    }
    // The valid ones migrated; the rest said once.
    if (bad) report(corrupt(legacyKey))
    storage._remove(legacyKey)
    write()
  }
  read()
  // Another tab delivered: later values of this page must still be newer.
  storage._watch((changed) => changed == key && read())

  // The page's start on the wall clock, read once: it never changes while the document lives, and
  // each read is a call into the browser (a third of a stamp's cost in a burst, issue 20).
  const origin = performance.timeOrigin
  return {
    // The page's start plus its monotonic clock: a clock set back or forward while the page lives
    // does not reorder its values, and tabs calling within one millisecond still stamp apart where
    // the browser's clock resolves finer.
    _stamp: () => (last = Math.max(Math.floor((origin + performance.now()) * 1000), last + 1)),
    _see(stamp) {
      last = Math.max(last, stamp)
    },
    _prune(entry) {
      // By its anonymousId, and by its user: a user's newer value may have gone under another
      // anonymousId (signed in again after a reset), and a delivered update whose answer its closed
      // page never saw must not land over it when the next page sends it again (found case L3).
      for (const id of entry.userId ? [entry.anonymousId, USER + entry.userId] : [entry.anonymousId]) {
        const delivered = read().get(id)
        if (delivered)
          entry.stamps.forEach((stamp, name) => {
            const known = delivered.get(name)
            // Strictly older only: two tabs may stamp two values in the same microsecond, and the one
            // delivered second must still go; the same value again (equal stamp) is harmless.
            if (known && stamp < known[0]) dropKey(entry, name)
          })
      }
    },
    _record(entry) {
      read()
      const at = Date.now()
      entry.stamps.forEach((stamp, name) => {
        const delivered: Delivered = [stamp, hashOf(entry, name), at]
        add(record, entry.anonymousId, name, delivered)
        if (entry.userId) add(record, USER + entry.userId, name, delivered)
      })
      write()
    },
    _unchanged(entry, maxAge) {
      const delivered = read().get(entry.anonymousId)
      let left = false
      if (delivered && maxAge)
        entry.stamps.forEach((stamp, name) => {
          const known = delivered.get(name)
          // The same value for the same user: one delivered while anonymous is not the user's yet.
          if (known && Math.abs(Date.now() - known[2]) < maxAge && known[1] == hashOf(entry, name)) {
            dropKey(entry, name)
            // The server's value is this one as of this stamp: an older value another tab still
            // holds is then pruned, as it would have been had this one been sent.
            if (stamp > known[0]) {
              delivered.set(name, [stamp, known[1], known[2]])
              left = true
            }
          }
        })
      if (left) write()
    },
  }
}
