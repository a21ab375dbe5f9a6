import fc from '../support/property.js'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { readQueue, writeQueue, type ReadQueue } from '../../src/delivery/queue-format.js'
import { createQueue } from '../../src/delivery/queue.js'
import { createStorage } from '../../src/browser/storage.js'
import { isValidId, sanitize, type Sanitized } from '../../src/core/validate.js'
import { HOSTILE_NAMES, prototypeSnapshot } from '../support/prototypes.js'
import { MemoryStorage } from '../support/memory-storage.js'

/** Format v1 as this build writes it (ARCHITECTURE.md, "Persisted formats"). */
const V1 = `{"version":1,"writtenAt":1764700000000,"endpoint":"https://integration-api.userflux.co","entries":[
  {"userId":"user-42","link":true,"anonymousId":"anon-1","locationEnrichment":true,"externalId":"ext-7","properties":{"plan":"pro","seats":3},"stamps":[["plan",1764700000000001],["seats",1764700000000002]],"bytes":23,"firstStamp":1764700000000001},
  {"anonymousId":"anon-1","locationEnrichment":false,"properties":{"theme":"dark"},"stamps":[["theme",1764700000000003]],"bytes":16,"firstStamp":1764700000000003}
]}`

/** The release before v1 (f12cb4f): one-letter names, stamps as an object, the external id as `e`. */
const F12CB4F = `{"t":1764600000000,"q":[
  {"u":"user-42","a":"anon-1","l":true,"e":"ext-7","p":{"plan":"pro","seats":3},"t":{"plan":1764600000000001,"seats":1764600000000002},"n":23,"s":1764600000000001},
  {"a":"anon-1","l":false,"p":{"theme":"dark"},"t":{"theme":1764600000000003},"n":16,"s":1764600000000003}
]}`

/** The release before that (1ce75f7): no stamps at all, no external id. */
const R1CE75F7 = `{"t":1764500000000,"q":[
  {"u":"user-42","a":"anon-1","l":true,"p":{"plan":"pro","seats":3},"n":23},
  {"a":"anon-1","l":false,"p":{"theme":"dark"},"n":16}
]}`

const read = (raw: string) => {
  const found = readQueue(raw)
  if (typeof found != 'object') throw new Error(`not read: ${found}`)
  return found
}
/** An entry as plain data, to compare (the properties' prototype aside). */
const plain = ({ _entries }: ReadQueue) => _entries.map((entry) => ({ ...entry, properties: { ...entry.properties } }))

describe('readQueue: each released format', () => {
  it('reads v1', () => {
    const found = read(V1)
    expect(found._writtenAt).toBe(1764700000000)
    expect(found._bad).toBe(0)
    expect(plain(found)).toEqual([
      {
        userId: 'user-42',
        // identify() of a new user: sent even when no property is left, as it links the ids.
        link: true,
        anonymousId: 'anon-1',
        locationEnrichment: true,
        externalId: 'ext-7',
        properties: { plan: 'pro', seats: 3 },
        stamps: new Map([['plan', 1764700000000001], ['seats', 1764700000000002]]),
        bytes: 23,
        firstStamp: 1764700000000001,
      },
      { anonymousId: 'anon-1', locationEnrichment: false, properties: { theme: 'dark' }, stamps: new Map([['theme', 1764700000000003]]), bytes: 16, firstStamp: 1764700000000003 },
    ])
    // Absent, not undefined: the next write leaves them out as the first one did.
    expect(Object.keys(found._entries[1])).not.toContain('userId')
    expect(Object.keys(found._entries[1])).not.toContain('link')
    expect(Object.keys(found._entries[1])).not.toContain('externalId')
  })

  it('reads the release before it (f12cb4f)', () => {
    const found = read(F12CB4F)
    expect(found._writtenAt).toBe(1764600000000)
    expect(found._bad).toBe(0)
    expect(plain(found)).toEqual([
      {
        userId: 'user-42',
        // Those releases sent every identified entry, link or not: read as a link, so nothing that was a link is lost.
        link: true,
        anonymousId: 'anon-1',
        locationEnrichment: true,
        externalId: 'ext-7',
        properties: { plan: 'pro', seats: 3 },
        stamps: new Map([['plan', 1764600000000001], ['seats', 1764600000000002]]),
        bytes: 23,
        firstStamp: 1764600000000001,
      },
      { anonymousId: 'anon-1', locationEnrichment: false, properties: { theme: 'dark' }, stamps: new Map([['theme', 1764600000000003]]), bytes: 16, firstStamp: 1764600000000003 },
    ])
  })

  it('reads the release before that (1ce75f7): every value older than any stamped one', () => {
    const found = read(R1CE75F7)
    expect(found._writtenAt).toBe(1764500000000)
    expect(found._bad).toBe(0)
    expect(plain(found)).toEqual([
      { userId: 'user-42', link: true, anonymousId: 'anon-1', locationEnrichment: true, properties: { plan: 'pro', seats: 3 }, stamps: new Map([['plan', 0], ['seats', 0]]), bytes: 23, firstStamp: 0 },
      { anonymousId: 'anon-1', locationEnrichment: false, properties: { theme: 'dark' }, stamps: new Map([['theme', 0]]), bytes: 16, firstStamp: 0 },
    ])
  })

  it('writes what it read of any format as v1, which reads back the same', () => {
    vi.useFakeTimers({ now: 1764800000000, toFake: ['Date'] })
    try {
      for (const fixture of [V1, F12CB4F, R1CE75F7]) {
        const found = read(fixture)
        const written = writeQueue(found._entries, 'https://proxy.example')
        const again = JSON.parse(written)
        expect(again).toMatchObject({ version: 1, writtenAt: 1764800000000, endpoint: 'https://proxy.example' })
        expect(again.entries[0].stamps).toEqual([...found._entries[0].stamps])
        expect(plain(read(written))).toEqual(plain(found))
      }
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('readQueue: what it will not read', () => {
  it.each([
    ['a newer version', '{"version":2,"writtenAt":1,"entries":[]}'],
    ['a newer version of another shape', '{"version":2,"queue":"anything"}'],
    ['version 0', '{"version":0,"t":1,"q":[]}'],
  ])("%s is 'unknown': left alone, not corrupt", (_, raw) => {
    expect(readQueue(raw)).toBe('unknown')
  })

  it.each([
    ['not JSON', '{"version":1,'],
    ['empty', ''],
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"q"'],
    ['v1 without entries', '{"version":1,"writtenAt":1}'],
    ['v1 with entries not a list', '{"version":1,"writtenAt":1,"entries":{"0":{}}}'],
    ['v1 without writtenAt', '{"version":1,"entries":[]}'],
    ['v1 with a negative writtenAt', '{"version":1,"writtenAt":-1,"entries":[]}'],
    ['v1 with writtenAt a string', '{"version":1,"writtenAt":"1","entries":[]}'],
    ['v1 with writtenAt too big to be a number', '{"version":1,"writtenAt":1e999,"entries":[]}'],
    ['legacy without q', '{"t":1}'],
    ['legacy with t an object', '{"t":{},"q":[]}'],
    ['a version that is not a number', '{"version":"2","writtenAt":1,"entries":[]}'],
  ])('%s is corrupt (undefined)', (_, raw) => {
    expect(readQueue(raw)).toBeUndefined()
  })
})

describe('readQueue: corrupt entries', () => {
  const valid = (name: string) => ({ anonymousId: 'anon', locationEnrichment: false, properties: { [name]: 1 }, stamps: [[name, 5]], bytes: 7, firstStamp: 5 })
  const queueOf = (...entries: unknown[]) => JSON.stringify({ version: 1, writtenAt: 1, endpoint: 'e', entries })

  it('are left out and counted; their valid neighbours are kept in order', () => {
    const found = read(queueOf(valid('first'), null, 'x', [], valid('middle'), { broken: true }, valid('last')))
    expect(found._bad).toBe(4)
    expect(found._entries.map((entry) => Object.keys(entry.properties))).toEqual([['first'], ['middle'], ['last']])
  })

  // Every field with values of the wrong type (or out of range): the entry is rejected, never its neighbours.
  it.each([
    ['userId', [5, '', '   ', 'a\u0000b', 'line\nbreak', 'x'.repeat(1025), {}, [], true]],
    ['anonymousId', [undefined, null, 5, '', ' ', 'tab\there', 'x'.repeat(1025), {}, false]],
    ['externalId', [5, '', '\u007f', 'x'.repeat(1025), {}]],
    ['locationEnrichment', ['true', 1, 0, {}, []]],
    ['properties', [undefined, null, 'x', 5, [], [1], true]],
    ['firstStamp', ['1', -1, true, {}, []]],
    ['stamps', [[['a']], [['a', '5']], [['a', -1]], [[5, 5]], [null], ['a'], [['a', null]]]],
  ])('an entry with a bad %s is rejected', (field, bads) => {
    for (const bad of bads) {
      const entry: Record<string, unknown> = { ...valid('bad'), userId: 'u' }
      if (bad === undefined) delete entry[field]
      else entry[field] = bad
      const found = read(queueOf(valid('before'), entry, valid('after')))
      expect({ field, bad, _bad: found._bad }).toEqual({ field, bad, _bad: 1 })
      expect(found._entries.map((kept) => Object.keys(kept.properties))).toEqual([['before'], ['after']])
    }
  })

  it('an entry with a stamp too big to be a number (1e999 in JSON) is rejected', () => {
    const raw = queueOf(valid('a'), { ...valid('b'), stamps: 'INFINITY' }).replace('"INFINITY"', '[["b",1e999]]')
    expect(raw).toContain('1e999')
    expect(read(raw)._bad).toBe(1)
  })

  it('a bad userId or externalId of the earlier formats is rejected too', () => {
    const legacy = (entry: Record<string, unknown>) => JSON.stringify({ t: 1, q: [{ a: 'ok', l: false, p: { ok: 1 }, n: 8 }, { a: 'anon', l: false, p: { x: 1 }, n: 7, ...entry }] })
    for (const entry of [{ u: 7 }, { u: '' }, { e: 'x'.repeat(1025) }, { a: 5 }, { l: 'yes' }, { p: [] }, { s: 'x' }, { t: { x: 'x' } }]) {
      const found = read(legacy(entry))
      expect({ entry, _bad: found._bad }).toEqual({ entry, _bad: 1 })
      expect(found._entries.map((kept) => kept.anonymousId)).toEqual(['ok'])
    }
  })

  // Unit finding 1 (fixed in 624ae80).
  it('v1 stamps that are not a list are rejected, not read as "no stamps" (which would make every value the oldest)', () => {
    for (const stamps of [undefined, 'x', 5, true, null]) {
      const entry: Record<string, unknown> = { ...valid('bad'), stamps }
      if (stamps === undefined) delete entry.stamps
      const found = read(queueOf(valid('before'), entry))
      expect({ stamps, _bad: found._bad }).toEqual({ stamps, _bad: 1 })
    }
  })

  it('a stamp without its property is forgotten, a property without its stamp is the oldest (0)', () => {
    const found = read(queueOf({ ...valid('x'), properties: { x: 1, y: 2 }, stamps: [['x', 5], ['gone', 9]] }))
    expect(found._entries[0].stamps).toEqual(new Map([['x', 5], ['y', 0]]))
  })

  it('a missing or bad bytes is measured again, exactly', () => {
    for (const bytes of [undefined, -1, '7', null]) {
      const found = read(queueOf({ ...valid('x'), properties: { x: 'é' }, bytes }))
      expect(found._bad).toBe(0)
      expect(found._entries[0].bytes).toBe(new TextEncoder().encode('{"x":"é"}').length)
    }
  })
})

describe('readQueue: hostile names', () => {
  let snapshot: ReturnType<typeof prototypeSnapshot>
  beforeEach(() => {
    snapshot = prototypeSnapshot()
  })
  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(prototypeSnapshot()).toEqual(snapshot)
  })

  /** Properties `{ name: { polluted: i } }` for every hostile name, written as JSON text (an object literal would set `__proto__`). */
  const hostileJson = (value: (name: string, i: number) => string) => '{' + HOSTILE_NAMES.map((name, i) => `${JSON.stringify(name)}:${value(name, i)}`).join(',') + '}'

  const expectOrdinary = (found: ReadQueue, withStamps: boolean) => {
    expect(found._bad).toBe(0)
    const [entry] = found._entries
    expect(Object.keys(entry.properties).sort()).toEqual([...HOSTILE_NAMES].sort())
    HOSTILE_NAMES.forEach((name, i) => {
      expect(Object.getOwnPropertyDescriptor(entry.properties, name)?.value, name).toEqual({ polluted: i })
      expect(entry.stamps.get(name), name).toBe(withStamps ? 100 + i : 0)
    })
    // A null-prototype object: what the entry grows in (validate.ts dictionaryOf), no key inherited.
    expect(Object.getPrototypeOf(entry.properties)).toBeNull()
    expect(({} as any).polluted).toBeUndefined()
    // Written again, every key is there as it was.
    const again = read(writeQueue(found._entries, 'e'))
    expect(JSON.stringify(again._entries[0].properties)).toBe(JSON.stringify(entry.properties))
  }

  it('every Object.prototype name, as a property key and as a stamp name (v1), is an ordinary key', () => {
    const properties = hostileJson((_, i) => `{"polluted":${i}}`)
    const stamps = '[' + HOSTILE_NAMES.map((name, i) => `[${JSON.stringify(name)},${100 + i}]`).join(',') + ']'
    const raw = `{"version":1,"writtenAt":1,"endpoint":"e","entries":[{"anonymousId":"a","locationEnrichment":false,"properties":${properties},"stamps":${stamps},"bytes":10,"firstStamp":1}]}`
    expectOrdinary(read(raw), true)
  })

  it('the same with the stamps of the release before v1 (an object keyed by name)', () => {
    const properties = hostileJson((_, i) => `{"polluted":${i}}`)
    const stamps = hostileJson((_, i) => String(100 + i))
    expectOrdinary(read(`{"t":1,"q":[{"a":"a","l":false,"p":${properties},"t":${stamps},"n":10,"s":1}]}`), true)
  })

  it('the same in the release before that (no stamps)', () => {
    const properties = hostileJson((_, i) => `{"polluted":${i}}`)
    expectOrdinary(read(`{"t":1,"q":[{"a":"a","l":false,"p":${properties},"n":10}]}`), false)
  })

  it('hostile names as ids and at the top level are plain data', () => {
    for (const name of HOSTILE_NAMES) {
      const raw = `{"version":1,"writtenAt":1,"endpoint":"e","__proto__":{"polluted":1},"entries":[{"userId":${JSON.stringify(name)},"anonymousId":${JSON.stringify(name)},"locationEnrichment":false,"properties":{},"stamps":[],"bytes":2,"firstStamp":1,"__proto__":{"polluted":2}}]}`
      const [entry] = read(raw)._entries
      expect([entry.userId, entry.anonymousId]).toEqual([name, name])
    }
  })
})

describe('round trip', () => {
  it('property: any JSON properties with any keys, sanitized and queued, read back exactly', async () => {
    const snapshot = prototypeSnapshot()
    const key = fc.oneof(fc.string(), fc.constantFrom(...HOSTILE_NAMES))
    const properties = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 12 })
    const identity = fc.record({
      userId: fc.option(fc.string({ minLength: 1, maxLength: 40 }).filter(isValidId), { nil: undefined }),
      anonymousId: fc.string({ minLength: 1, maxLength: 40 }).filter(isValidId),
      locationEnrichment: fc.boolean(),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(identity, properties), { minLength: 1, maxLength: 4 }), async (calls) => {
        const storage = createStorage(new MemoryStorage(), () => {})
        const queue = createQueue(storage, 'uf-queue-v1|k|p', 'https://api.example', 100, () => {}, () => true)
        let stamp = 1
        for (const [who, given] of calls) {
          const clean = sanitize('updateProfile', given) as Sanitized
          expect(clean).toHaveProperty('properties')
          queue._add(who.userId === undefined ? { anonymousId: who.anonymousId, locationEnrichment: who.locationEnrichment } : who, clean.properties, clean._size, stamp++)
        }
        await Promise.resolve()
        const stored = storage._get(queue._key)!
        const found = read(stored)
        expect(found._bad).toBe(0)
        expect(found._entries).toHaveLength(queue._entries.length)
        found._entries.forEach((entry, i) => {
          const mine = queue._entries[i]
          expect(JSON.stringify(entry.properties)).toBe(JSON.stringify(mine.properties))
          expect(Object.keys(entry.properties)).toEqual(Object.keys(mine.properties))
          expect(entry.stamps).toEqual(mine.stamps)
          expect([entry.userId, entry.anonymousId, entry.locationEnrichment, entry.bytes, entry.firstStamp]).toEqual([
            mine.userId,
            mine.anonymousId,
            mine.locationEnrichment,
            mine.bytes,
            mine.firstStamp,
          ])
        })
        // And written again from what was read: the same text but for the time.
        expect(writeQueue(found._entries, 'https://api.example').replace(/"writtenAt":\d+/, '')).toBe(stored.replace(/"writtenAt":\d+/, ''))
        expect(prototypeSnapshot()).toEqual(snapshot)
      }),
      { numRuns: 40 },
    )
  })
})

describe('hostile input (property-based)', () => {
  const hostileKey = fc.oneof(fc.string(), fc.constantFrom(...HOSTILE_NAMES, 'version', 'entries', 'writtenAt', 'q', 't', 'stamps', 'properties', 'anonymousId'))
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 })),
  })).value
  /** Queue-shaped values with any field replaced by anything: the likely corruptions, not only random JSON. */
  const entryLike = fc.record(
    {
      anonymousId: fc.oneof(fc.string(), json),
      userId: fc.oneof(fc.string(), json),
      locationEnrichment: fc.oneof(fc.boolean(), json),
      properties: fc.oneof(fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 2 })), json),
      stamps: fc.oneof(fc.array(fc.tuple(hostileKey, fc.oneof(fc.nat(), json))), json),
      bytes: fc.oneof(fc.nat(), json),
      firstStamp: fc.oneof(fc.nat(), json),
    },
    { requiredKeys: [] },
  )
  const queueLike = fc.oneof(
    fc.record({ version: fc.constant(1), writtenAt: fc.oneof(fc.nat(), json), endpoint: json, entries: fc.oneof(fc.array(entryLike, { maxLength: 4 }), json) }, { requiredKeys: [] }),
    fc.record({ t: fc.oneof(fc.nat(), json), q: fc.oneof(fc.array(entryLike, { maxLength: 4 }), json) }, { requiredKeys: [] }),
    json,
  )

  it('readQueue never throws, changes no prototype, and returns only valid entries', () => {
    const snapshot = prototypeSnapshot()
    fc.assert(
      fc.property(queueLike, (stored) => {
        const found = readQueue(JSON.stringify(stored))
        if (typeof found != 'object') {
          expect(prototypeSnapshot()).toEqual(snapshot)
          return
        }
        const list = (stored as any).version === 1 ? (stored as any).entries : (stored as any).q
        expect(found._entries.length + found._bad).toBe(list.length)
        for (const entry of found._entries) {
          expect(isValidId(entry.anonymousId)).toBe(true)
          if ('userId' in entry) expect(isValidId(entry.userId)).toBe(true)
          expect(typeof entry.locationEnrichment).toBe('boolean')
          expect(Number.isFinite(entry.bytes) && entry.bytes >= 0).toBe(true)
          expect(new Set(entry.stamps.keys())).toEqual(new Set(Object.keys(entry.properties)))
          for (const stamp of entry.stamps.values()) expect(Number.isFinite(stamp) && stamp >= 0).toBe(true)
          // What was read can be written and read again, the same.
          expect(plain(read(writeQueue([entry], 'e')))).toEqual(plain({ _entries: [entry], _bad: 0, _writtenAt: 0 }))
        }
        expect(prototypeSnapshot()).toEqual(snapshot)
      }),
      { numRuns: 100 },
    )
  })
})
