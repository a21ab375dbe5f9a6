import type { Properties } from '../types.js'
import { put, utf8Length, MAX_UPDATE_BYTES } from '../core/validate.js'

/**
 * Marks an entry being sent: it is then never merged into, nor sent twice. A symbol key, so that it
 * is never persisted.
 */
export const BUSY = Symbol()
/** Exact UTF-8 size of each `"key":value` of an entry, kept once an entry nears its size limit. */
export const SIZES = Symbol()

/**
 * One pending request. The names are the persisted ones (queue format v1, ARCHITECTURE.md), so what a
 * developer sees in devtools reads like the code.
 */
export interface Entry {
  [BUSY]?: boolean
  [key: symbol]: unknown
  [SIZES]?: Map<string, number> | undefined
  /** Absent while anonymous. */
  userId?: string | undefined
  /** Made by `identify()` of a new user: sent even with no property left, as it links the anonymousId to the user. */
  link?: true | undefined
  anonymousId: string
  locationEnrichment: boolean
  /** The `ufeid` of a UserFlux message link, while there is one. */
  externalId?: string | undefined
  properties: Properties
  /**
   * The stamp (ledger.ts) of each value in `properties`: the origin-wide order of values across tabs.
   * A Map: property names come from the page, and no outside string indexes a plain object.
   */
  stamps: Map<string, number>
  /** UTF-8 bytes of `properties` as JSON: the sum over the updates merged into it (an upper bound), exact near the limit. */
  bytes: number
  /** The stamp of the first update in it: adopted queues are merged with this page's in this order. */
  firstStamp: number
  /**
   * Wall-clock ms until which a keepalive request carrying it may still be on the wire, its page
   * gone before the answer (sent at exit, or by a page that closed meanwhile): until then nothing of
   * its visitor's keys is sent again, by any page, lest the older request land last (issue 25 case 2).
   */
  wireUntil?: number | undefined
}

export type Identity = Pick<Entry, 'userId' | 'anonymousId' | 'locationEnrichment' | 'externalId'>

/** Updates of one identity (user, visitor, enrichment flag, external id) may share a request. */
export const sameIdentity = (x: Identity, y: Identity) =>
  x.userId === y.userId && x.anonymousId === y.anonymousId && x.locationEnrichment === y.locationEnrichment && x.externalId === y.externalId

/** Bytes of `"name":value` in the JSON of an entry's properties (the comma or brace counted too). */
export const pairSize = (name: string, value: unknown) => utf8Length(JSON.stringify(name)) + utf8Length(JSON.stringify(value)) + 2

/**
 * Merges `from` into `into` when both are for one identity and the result stays sendable: each key
 * keeps the newer value by stamp (adopted entries may carry older ones). False, untouched, otherwise.
 * The rule of adoption (queue.ts `_adoptFrom`): neighbours coalesce as they would have in one page.
 */
export function mergeEntries(into: Entry, from: Entry): boolean {
  if (!sameIdentity(into, from) || into.bytes + from.bytes > MAX_UPDATE_BYTES) return false
  from.stamps.forEach((stamp, name) => {
    if (stamp >= (into.stamps.get(name) || 0)) {
      put(into.properties, name, from.properties[name])
      into.stamps.set(name, stamp)
    }
  })
  if (from.link) into.link = true
  if (from.wireUntil) into.wireUntil = Math.max(into.wireUntil || 0, from.wireUntil)
  into.bytes += from.bytes
  into[SIZES] = undefined
  return true
}

/** Removes `name` from an entry (a key given up to a later entry, or already delivered). */
export function dropKey(entry: Entry, name: string): void {
  delete entry.properties[name]
  entry.stamps.delete(name)
}
