import { dictionaryOf, isCount, isPlainObject, isValidId, utf8Length } from '../core/validate.js'
import type { Properties } from '../types.js'
import type { Entry } from './entry.js'

/**
 * The persisted queue of one page, format v1 (ARCHITECTURE.md, "Persisted formats"):
 * `{ version: 1, writtenAt, endpoint, entries: [{ userId?, anonymousId, locationEnrichment,
 * externalId?, properties, stamps: [[name, stamp]…], bytes, firstStamp, wireUntil? }] }`.
 */
export const QUEUE_VERSION = 1

export interface ReadQueue {
  /** When the page last wrote it (its wall clock): tabs without Web Locks judge abandonment by it. */
  _writtenAt: number
  _entries: Entry[]
  /** Entries that were not valid and are left out. */
  _bad: number
}

export const writeQueue = (entries: readonly Entry[], endpoint: string) =>
  JSON.stringify({
    version: QUEUE_VERSION,
    writtenAt: Date.now(),
    endpoint,
    entries: entries.map((entry) => ({ ...entry, stamps: [...entry.stamps] })),
  })

const optionalId = (value: unknown) => value === undefined || value === null || isValidId(value)

/** One entry of either format, validated field by field; undefined when it is not one. */
function readEntry(stored: any, v1: boolean): Entry | undefined {
  if (!isPlainObject(stored)) return
  const userId = v1 ? stored.userId : stored.u
  const anonymousId = v1 ? stored.anonymousId : stored.a
  const externalId = v1 ? stored.externalId : stored.e
  const properties = v1 ? stored.properties : stored.p
  const bytes = v1 ? stored.bytes : stored.n
  const firstStamp = (v1 ? stored.firstStamp : stored.s) ?? 0
  const locationEnrichment = (v1 ? stored.locationEnrichment : stored.l) ?? false
  if (!isValidId(anonymousId) || !optionalId(userId) || !optionalId(externalId) || !isPlainObject(properties)) return
  if (!isCount(firstStamp) || typeof locationEnrichment != 'boolean') return
  const stamps = new Map<string, number>()
  // v1: [[name, stamp]…]; the release before it: { name: stamp }; the one before that had none (0).
  const storedStamps: unknown = v1 ? stored.stamps : stored.t
  if (v1 && !Array.isArray(storedStamps)) return
  const pairs: unknown[] = Array.isArray(storedStamps) ? storedStamps : isPlainObject(storedStamps) ? Object.entries(storedStamps) : []
  for (const pair of pairs) {
    if (!Array.isArray(pair) || typeof pair[0] != 'string' || !isCount(pair[1])) return
    stamps.set(pair[0], pair[1])
  }
  const copy = dictionaryOf(properties as Properties)
  for (const name of Object.keys(copy)) if (!stamps.has(name)) stamps.set(name, 0)
  for (const name of stamps.keys()) if (!Object.prototype.hasOwnProperty.call(copy, name)) stamps.delete(name)
  // The releases before v1 sent every identified entry: it may carry the link to its user.
  const link = v1 ? stored.link === true : userId != null
  return {
    ...(userId != null && { userId }),
    ...(link && { link }),
    anonymousId,
    locationEnrichment,
    ...(externalId != null && { externalId }),
    properties: copy,
    stamps,
    bytes: isCount(bytes) ? bytes : utf8Length(JSON.stringify(copy)),
    firstStamp,
    ...(v1 && isCount(stored.wireUntil) && { wireUntil: stored.wireUntil }),
  }
}

/**
 * Reads a stored queue of any format this build knows: v1, and the two releases before it
 * (`{ t, q: [{ u, a, l, e?, p, t?, n, s? }] }`). `'unknown'`: a format of a newer build, to be left
 * alone; `undefined`: not a queue at all (corrupt).
 */
export function readQueue(raw: string): ReadQueue | 'unknown' | undefined {
  let stored: any
  try {
    stored = JSON.parse(raw)
  } catch {
    return
  }
  if (!isPlainObject(stored)) return
  const v1 = stored.version === QUEUE_VERSION
  if (!v1 && typeof stored.version == 'number') return 'unknown'
  const list: unknown = v1 ? stored.entries : stored.q
  const writtenAt = v1 ? stored.writtenAt : stored.t
  if (!Array.isArray(list) || !isCount(writtenAt)) return
  const entries: Entry[] = []
  for (const item of list) {
    const entry = readEntry(item, v1)
    if (entry) entries.push(entry)
  }
  return { _writtenAt: writtenAt, _entries: entries, _bad: list.length - entries.length }
}
