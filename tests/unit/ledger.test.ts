import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import fc from '../support/property.js'
import type { UserFluxError } from '../../src/core/errors.js'
import type { Properties } from '../../src/types.js'
import { createLedger, valueHash, type Ledger } from '../../src/delivery/ledger.js'
import { createStorage } from '../../src/browser/storage.js'
import { put } from '../../src/core/validate.js'
import type { Entry } from '../../src/delivery/entry.js'
import { HOSTILE_NAMES, prototypeSnapshot } from '../support/prototypes.js'
import { MemoryStorage } from '../support/memory-storage.js'

const KEY = 'uf-delivered-v1|wk'
const LEGACY = 'uf-sent-' + encodeURIComponent('wk@https://integration-api.userflux.co')
const NOW = 1_764_700_000_000

let backing: MemoryStorage
let report: Mock<(error: UserFluxError) => void>
let allowed: boolean
/** The oldest stamp still queued anywhere, as tabs.ts would answer (Infinity: nothing queued). */
let oldestQueued: number

const make = () => {
  const storage = createStorage(backing, () => {})
  return createLedger(storage, KEY, LEGACY, report, () => allowed, () => oldestQueued)
}
/** An entry of `anonymousId` whose every value has `stamp`. */
const entry = (anonymousId: string, properties: Record<string, unknown>, stamp: number): Entry => {
  const own: Properties = Object.create(null)
  for (const name of Object.keys(properties)) put(own, name, properties[name])
  return { anonymousId, locationEnrichment: false, properties: own, stamps: new Map(Object.keys(own).map((name) => [name, stamp])), bytes: 2, firstStamp: stamp }
}
/** The stamps' clock (microseconds): the page's start plus its monotonic clock, which fake Date timers do not move. */
const clock = () => Math.floor((performance.timeOrigin + performance.now()) * 1000)
/** Whether `_unchanged` leaves `value` of `name` out for `anonymousId` (delivered already, within `maxAge`). */
const unchanged = (ledger: Ledger, anonymousId: string, name: string, value: unknown, maxAge: number) => {
  const pending = entry(anonymousId, {}, 1)
  put(pending.properties, name, value)
  pending.stamps.set(name, clock())
  ledger._unchanged(pending, maxAge)
  return !Object.prototype.hasOwnProperty.call(pending.properties, name)
}
const rows = () => JSON.parse(backing.data.get(KEY)!).rows as unknown[][]
const stored = (value: unknown) => backing.data.set(KEY, JSON.stringify(value))
const v1 = (...list: unknown[]) => ({ version: 1, fields: ['anonymousId', 'key', 'stamp', 'valueHash', 'deliveredAt'], rows: list })

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ['Date'] })
  backing = new MemoryStorage()
  report = vi.fn<(error: UserFluxError) => void>()
  allowed = true
  oldestQueued = Infinity
})
afterEach(() => vi.useRealTimers())

describe('valueHash', () => {
  it('is the same for the same JSON, and tells values apart', () => {
    expect(valueHash({ a: [1, 'x'] })).toBe(valueHash({ a: [1, 'x'] }))
    const hashes = new Set([1, '1', true, null, {}, [], 'pro', 'basic', { a: 1 }, { a: 2 }].map(valueHash))
    expect(hashes.size).toBe(10)
    expect(valueHash(undefined)).toBe(valueHash(undefined))
  })
})

describe('record and prune', () => {
  it("by user too: a user's value delivered under one anonymousId prunes their older value under another (found case L3)", () => {
    const ledger = make()
    // Signed in again after a reset: a new anonymousId, the same user, a newer value.
    ledger._record({ ...entry('second-id', { plan: 'new' }, 20), userId: 'alice' })
    expect(rows()).toEqual([
      ['second-id', 'plan', 20, valueHash(['alice', 'new']), NOW],
      ['alice', 'plan', 20, valueHash(['alice', 'new']), NOW, 1],
    ])
    // The closed page's update (delivered, its answer never seen), sent again by the next page.
    const stale = { ...entry('first-id', { plan: 'old', theme: 'dark' }, 10), userId: 'alice' }
    // Another user's, and an anonymous one of the first id: not alice's values.
    const bobs = { ...entry('first-id', { plan: 'bob' }, 10), userId: 'bob' }
    const anonymous = entry('first-id', { plan: 'anon' }, 10)
    // Read by another page from what is stored.
    const other = make()
    for (const pending of [stale, bobs, anonymous]) other._prune(pending)
    expect({ ...stale.properties }).toEqual({ theme: 'dark' })
    expect({ ...bobs.properties }).toEqual({ plan: 'bob' })
    expect({ ...anonymous.properties }).toEqual({ plan: 'anon' })
    // A user named like an anonymousId is not that anonymousId's.
    const named = entry('alice', { plan: 'anon of an id named alice' }, 10)
    other._prune(named)
    expect({ ...named.properties }).toEqual({ plan: 'anon of an id named alice' })
    expect(report).not.toHaveBeenCalled()
  })

  it('a row marked as a user with anything but 1 is corrupt: dropped and reported once', () => {
    stored(v1(['alice', 'plan', 20, '', NOW, 'yes'], ['anon', 'plan', 5, '', NOW]))
    const ledger = make()
    const pending = entry('anon', { plan: 'old' }, 4)
    ledger._prune(pending)
    expect({ ...pending.properties }).toEqual({})
    expect(report).toHaveBeenCalledOnce()
  })

  it('drops values older than the delivered one, of the same anonymousId and key only', () => {
    const ledger = make()
    ledger._record(entry('anon', { plan: 'pro', seats: 3 }, 10))
    const later = entry('anon', { plan: 'old', seats: 'same stamp', theme: 'new key' }, 10)
    later.stamps.set('plan', 9)
    const newer = entry('anon', { plan: 'newer' }, 11)
    const other = entry('someone else', { plan: 'x' }, 1)
    for (const pending of [later, newer, other]) ledger._prune(pending)
    // Strictly older only since 90c5e57: two tabs may stamp in the same microsecond, and the one delivered second must go.
    expect({ ...later.properties }).toEqual({ seats: 'same stamp', theme: 'new key' })
    expect([...later.stamps.keys()]).toEqual(['seats', 'theme'])
    expect({ ...newer.properties }).toEqual({ plan: 'newer' })
    expect({ ...other.properties }).toEqual({ plan: 'x' })
    expect(report).not.toHaveBeenCalled()
  })

  it('persists what was delivered: a new page (or another tab) prunes by it', () => {
    make()._record(entry('anon', { plan: 'pro' }, 10))
    expect(rows()).toEqual([['anon', 'plan', 10, valueHash('pro'), NOW]])
    const pending = entry('anon', { plan: 'adopted, older' }, 5)
    make()._prune(pending)
    expect(Object.keys(pending.properties)).toEqual([])
  })

  it('stamps increase strictly, above every stamp delivered by any tab, whatever the clock says', () => {
    const future = clock() + 60_000_000
    stored(v1(['anon', 'plan', future, valueHash('x'), NOW]))
    const ledger = make()
    const first = ledger._stamp()
    expect(first).toBeGreaterThan(future)
    expect(ledger._stamp()).toBeGreaterThan(first)
  })

  it('keeps at most 1,000 pairs, forgetting the oldest stamps', () => {
    const ledger = make()
    const many: Record<string, number> = {}
    for (let i = 0; i < 1001; i++) many['k' + i] = i
    const big = entry('anon', many, 0)
    for (let i = 0; i < 1001; i++) big.stamps.set('k' + i, 1000 + i)
    ledger._record(big)
    expect(rows()).toHaveLength(1000)
    expect(rows().map((row) => row[1])).not.toContain('k0')
    expect(rows().map((row) => row[1])).toContain('k1000')
  })

  it('past 1,000 pairs keeps those an older queued value still needs, up to 5,000 (issue 25 case 4)', () => {
    const ledger = make()
    // A crashed tab's queue holds a value of k0 stamped 1500: every pair stamped above it must stay.
    oldestQueued = 1500
    const many: Record<string, number> = {}
    for (let i = 0; i < 2001; i++) many['k' + i] = i
    const big = entry('anon', many, 0)
    for (let i = 0; i < 2001; i++) big.stamps.set('k' + i, 1000 + i)
    ledger._record(big)
    // Stamps 1000..1500 prune nothing queued: forgotten; 1501..3000 kept.
    expect(rows()).toHaveLength(1500)
    expect(rows().map((row) => row[2])).not.toContain(1500)
    expect(Math.min(...rows().map((row) => row[2] as number))).toBe(1501)
    // The stale value adopted later is still pruned by the newer one delivered.
    const stale = entry('anon', { k600: 'stale' }, 1550)
    ledger._prune(stale)
    expect(stale.properties).toEqual({})
    // The hard cap holds whatever is queued.
    oldestQueued = 0
    const more: Record<string, number> = {}
    for (let i = 0; i < 6000; i++) more['m' + i] = i
    const huge = entry('anon', more, 0)
    for (let i = 0; i < 6000; i++) huge.stamps.set('m' + i, 10_000 + i)
    ledger._record(huge)
    expect(rows()).toHaveLength(5000)
  })
})

describe('hostile ids and keys', () => {
  let snapshot: ReturnType<typeof prototypeSnapshot>
  beforeEach(() => {
    snapshot = prototypeSnapshot()
  })
  afterEach(() => {
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
    expect(prototypeSnapshot()).toEqual(snapshot)
  })

  it.each(HOSTILE_NAMES.map((id) => [id]))('the anonymousId %j, with every Object.prototype name as a key: record, then prune', (id) => {
    const names = ['isAdmin', 'keys', 'name', ...HOSTILE_NAMES]
    const values = Object.fromEntries(names.map((name) => [name, name == 'isAdmin' ? false : { [name]: 'x' }]))
    const delivered = entry(id, {}, 10)
    for (const name of names) {
      put(delivered.properties, name, values[name])
      delivered.stamps.set(name, 10)
    }
    const ledger = make()
    ledger._record(delivered)
    expect(rows()).toHaveLength(names.length)
    for (const fresh of [ledger, make()]) {
      const pending = entry(id, {}, 5)
      for (const name of names) {
        put(pending.properties, name, 'older')
        pending.stamps.set(name, name == 'toString' ? 11 : 5)
      }
      fresh._prune(pending)
      // Only the newer value is left, under its own name.
      expect(Object.keys(pending.properties)).toEqual(['toString'])
      expect(unchanged(fresh, id, 'constructor', values.constructor, 1000)).toBe(true)
      expect(unchanged(fresh, id, '__proto__', values.__proto__, 1000)).toBe(true)
      expect(unchanged(fresh, id, 'hasOwnProperty', 'something else', 1000)).toBe(false)
    }
    expect(typeof Object.keys).toBe('function')
    expect(report).not.toHaveBeenCalled()
  })
})

describe('_unchanged (the resendAfter dedupe)', () => {
  it('is true for the same value of the same visitor and key, within maxAge', () => {
    const ledger = make()
    ledger._record(entry('anon', { plan: 'pro', prefs: { dark: true } }, 10))
    expect(unchanged(ledger, 'anon', 'plan', 'pro', 60_000)).toBe(true)
    expect(unchanged(ledger, 'anon', 'prefs', { dark: true }, 60_000)).toBe(true)
    expect(unchanged(ledger, 'anon', 'plan', 'basic', 60_000)).toBe(false)
    expect(unchanged(ledger, 'anon', 'prefs', { dark: false }, 60_000)).toBe(false)
    expect(unchanged(ledger, 'other', 'plan', 'pro', 60_000)).toBe(false)
    expect(unchanged(ledger, 'anon', 'seats', 'pro', 60_000)).toBe(false)
    vi.setSystemTime(NOW + 59_999)
    expect(unchanged(ledger, 'anon', 'plan', 'pro', 60_000)).toBe(true)
    vi.setSystemTime(NOW + 60_000)
    expect(unchanged(ledger, 'anon', 'plan', 'pro', 60_000)).toBe(false)
    // A clock set far back does not make an old delivery look fresh either.
    vi.setSystemTime(NOW - 60_000)
    expect(unchanged(ledger, 'anon', 'plan', 'pro', 60_000)).toBe(false)
  })

  it('drops nothing with maxAge 0 (resendAfter: 0), and only the keys unchanged', () => {
    const ledger = make()
    ledger._record(entry('anon', { plan: 'pro', theme: 'dark' }, 10))
    expect(unchanged(ledger, 'anon', 'plan', 'pro', 0)).toBe(false)
    const pending = entry('anon', { plan: 'pro', theme: 'light', seats: 2 }, 20)
    ledger._unchanged(pending, 1000)
    expect({ ...pending.properties }).toEqual({ theme: 'light', seats: 2 })
    expect([...pending.stamps.keys()]).toEqual(['theme', 'seats'])
  })

  it('follows the newest delivered value of a key', () => {
    const ledger = make()
    ledger._record(entry('anon', { plan: 'pro' }, 10))
    ledger._record(entry('anon', { plan: 'basic' }, 20))
    // An older value answered late does not replace the newer one.
    ledger._record(entry('anon', { plan: 'late' }, 15))
    expect(unchanged(ledger, 'anon', 'plan', 'basic', 1000)).toBe(true)
    expect(unchanged(ledger, 'anon', 'plan', 'pro', 1000)).toBe(false)
    expect(unchanged(ledger, 'anon', 'plan', 'late', 1000)).toBe(false)
  })
})

describe('the release before v1', () => {
  it('its record is migrated into v1 and removed', () => {
    backing.data.set(LEGACY, JSON.stringify({ anon: { plan: 50, seats: 60 }, other: { plan: 70 } }))
    const ledger = make()
    expect(backing.data.has(LEGACY)).toBe(false)
    expect(rows()).toEqual(
      expect.arrayContaining([
        ['anon', 'plan', 50, '', 0],
        ['anon', 'seats', 60, '', 0],
        ['other', 'plan', 70, '', 0],
      ]),
    )
    // Stamped 55: newer than plan's 50, not than seats' 60.
    const pending = entry('anon', { plan: 'newer', seats: 'older' }, 55)
    ledger._prune(pending)
    expect(Object.keys(pending.properties)).toEqual(['plan'])
    // It kept no values: nothing counts as delivered already for the dedupe.
    expect(unchanged(ledger, 'anon', 'plan', 'older', 1000)).toBe(false)
    expect(report).not.toHaveBeenCalled()
  })

  it('merged with a v1 record already there, the newer stamp winning', () => {
    stored(v1(['anon', 'plan', 80, valueHash('pro'), NOW]))
    backing.data.set(LEGACY, JSON.stringify({ anon: { plan: 50, seats: 60 } }))
    make()
    expect(rows()).toEqual(expect.arrayContaining([['anon', 'plan', 80, valueHash('pro'), NOW], ['anon', 'seats', 60, '', 0]]))
    expect(rows()).toHaveLength(2)
  })

  it('hostile ids and keys in it stay ordinary', () => {
    const snapshot = prototypeSnapshot()
    const text = '{' + HOSTILE_NAMES.map((id, i) => `${JSON.stringify(id)}:{${HOSTILE_NAMES.map((name) => `${JSON.stringify(name)}:${i + 1}`).join(',')}}`).join(',') + '}'
    backing.data.set(LEGACY, text)
    make()
    expect(rows()).toHaveLength(HOSTILE_NAMES.length ** 2)
    expect(prototypeSnapshot()).toEqual(snapshot)
  })

  // Unit finding 2 (fixed in 624ae80).
  it('stamps after the migration are above the migrated ones', () => {
    const future = clock() + 60_000_000
    backing.data.set(LEGACY, JSON.stringify({ anon: { plan: future } }))
    const ledger = make()
    // Were it not, a value set now would be pruned as "not newer" than the one delivered before.
    expect(ledger._stamp()).toBeGreaterThan(future)
  })

  // Unit finding 3 (fixed in 624ae80).
  it('bad values in it are left out and reported once, the valid ones migrated', () => {
    backing.data.set(LEGACY, JSON.stringify({ anon: { plan: 50, seats: 'x' }, junk: 'x', '': { plan: 1 } }))
    make()
    expect(rows()).toEqual([['anon', 'plan', 50, '', 0]])
    expect(report).toHaveBeenCalledOnce()
  })

  it('one that is not JSON is removed and reported once', () => {
    backing.data.set(LEGACY, '{"anon":')
    make()
    expect(backing.data.has(LEGACY)).toBe(false)
    expect(report).toHaveBeenCalledOnce()
    expect(report.mock.calls[0][0]).toMatchObject({ code: 'storage', message: expect.stringContaining(LEGACY) })
  })
})

describe('corrupt record', () => {
  it('a bad row is left out and reported once; its valid neighbours are kept, and it is repaired', () => {
    stored(
      v1(
        ['anon', 'plan', 10, valueHash('pro'), NOW],
        ['anon', 'seats'],
        ['anon', 'seats', '5', 'h', NOW],
        [5, 'seats', 5, 'h', NOW],
        ['', 'seats', 5, 'h', NOW],
        ['anon', 'seats', 5, 7, NOW],
        ['anon', 'seats', 5, 'h', -1],
        'row',
        null,
        ['anon', 'theme', 20, valueHash('dark'), NOW],
      ),
    )
    const ledger = make()
    expect(report).toHaveBeenCalledOnce()
    expect(report.mock.calls[0][0]).toMatchObject({ code: 'storage', message: expect.stringContaining(KEY) })
    const pending = entry('anon', { plan: 'a', seats: 'b', theme: 'c' }, 9)
    pending.stamps.set('theme', 21)
    ledger._prune(pending)
    expect(Object.keys(pending.properties)).toEqual(['seats', 'theme'])
    expect(unchanged(ledger, 'anon', 'theme', 'dark', 1000)).toBe(true)
    // Read again (another delivery, another tab's event): not reported twice.
    ledger._prune(entry('anon', { x: 1 }, 1))
    expect(report).toHaveBeenCalledOnce()
    // Written back at the next delivery without the bad rows: a new page finds nothing to report.
    ledger._record(entry('anon', { seats: 4 }, 30))
    expect(rows()).toEqual(
      expect.arrayContaining([
        ['anon', 'plan', 10, valueHash('pro'), NOW],
        // Left out as delivered above: its stamp raised to that value's (unit finding 5).
        ['anon', 'theme', expect.any(Number), valueHash('dark'), NOW],
        ['anon', 'seats', 30, valueHash(4), NOW],
      ]),
    )
    expect(rows()).toHaveLength(3)
    make()
    expect(report).toHaveBeenCalledOnce()
  })

  it.each([
    ['not JSON', '{"version":1,'],
    ['a string', '"x"'],
    ['the legacy shape under the v1 key', '{"anon":"x"}'],
    ['rows not a list', '{"version":1,"rows":{"0":["anon","plan",1,"h",1]}}'],
    ['null', 'null'],
  ])('%s: reported once, never thrown, and replaced at the next delivery', (_, raw) => {
    backing.data.set(KEY, raw)
    const ledger = make()
    expect(report).toHaveBeenCalledOnce()
    expect(() => ledger._prune(entry('anon', { plan: 1 }, 1))).not.toThrow()
    ledger._record(entry('anon', { plan: 1 }, 2))
    expect(rows()).toEqual([['anon', 'plan', 2, valueHash(1), NOW]])
    expect(report).toHaveBeenCalledOnce()
  })
})

describe('after an opt-out', () => {
  it('nothing is written, a late answer included; what is known still prunes in this page', () => {
    const ledger = make()
    allowed = false
    const writes = backing.writes
    ledger._record(entry('anon', { plan: 'pro' }, 10))
    expect(backing.writes).toBe(writes)
    expect(backing.data.has(KEY)).toBe(false)
    const pending = entry('anon', { plan: 'old' }, 5)
    ledger._prune(pending)
    expect(Object.keys(pending.properties)).toEqual([])
  })

  it('a legacy record is removed, not migrated', () => {
    allowed = false
    backing.data.set(LEGACY, JSON.stringify({ anon: { plan: 50 } }))
    make()
    expect([...backing.data.keys()]).toEqual([])
  })
})

describe('storage full', () => {
  it('the stored record stays as it was for other pages; this page prunes by what it knows', () => {
    stored(v1(['anon', 'plan', 10, valueHash('pro'), NOW]))
    const before = backing.data.get(KEY)
    const ledger = make()
    backing.failWrites = true
    ledger._record(entry('anon', { plan: 'basic' }, 20))
    expect(backing.data.get(KEY)).toBe(before)
    const pending = entry('anon', { plan: 'older' }, 15)
    ledger._prune(pending)
    expect(Object.keys(pending.properties)).toEqual([])
    // Another page still prunes by the older record: only what is older than that.
    const other = entry('anon', { plan: 'x' }, 9)
    make()._prune(other)
    expect(Object.keys(other.properties)).toEqual([])
  })
})

describe('hostile input (property-based)', () => {
  const name = fc.oneof(fc.string(), fc.constantFrom(...HOSTILE_NAMES))
  const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(name, fc.jsonValue({ maxDepth: 1 })))
  const row = fc.oneof(fc.tuple(name, name, fc.oneof(fc.nat(), anything), fc.oneof(fc.string(), anything), fc.oneof(fc.nat(), anything)), anything)
  const record = fc.oneof(fc.record({ version: fc.oneof(fc.constant(1), anything), fields: anything, rows: fc.oneof(fc.array(row, { maxLength: 6 }), anything) }, { requiredKeys: [] }), anything)
  const legacy = fc.oneof(fc.dictionary(name, fc.oneof(fc.dictionary(name, fc.oneof(fc.nat(), anything)), anything)), anything)

  it('any stored record or legacy record: never thrown, each key reported at most once, no prototype changed, delivery goes on', () => {
    const snapshot = prototypeSnapshot()
    fc.assert(
      fc.property(fc.option(record), fc.option(legacy), name, (v1Record, legacyRecord, id) => {
        backing = new MemoryStorage()
        report = vi.fn<(error: UserFluxError) => void>()
        if (v1Record !== null) backing.data.set(KEY, JSON.stringify(v1Record))
        if (legacyRecord !== null) backing.data.set(LEGACY, JSON.stringify(legacyRecord))
        const ledger = make()
        const messages = report.mock.calls.map(([error]) => error.message)
        expect(new Set(messages).size).toBe(messages.length)
        expect(backing.data.has(LEGACY)).toBe(false)
        const anonymousId = id.trim() ? id : 'anon'
        const delivered = entry(anonymousId, {}, 0)
        put(delivered.properties, id, 'v')
        delivered.stamps.set(id, ledger._stamp())
        ledger._record(delivered)
        expect(unchanged(ledger, anonymousId, id, 'v', 1000)).toBe(true)
        const older = entry(anonymousId, {}, 0)
        put(older.properties, id, 'old')
        older.stamps.set(id, 1)
        ledger._prune(older)
        expect(Object.keys(older.properties)).toEqual([])
        // Read back by a new page, the record is whole: nothing to report.
        report.mockClear()
        make()
        expect(report).not.toHaveBeenCalled()
        expect(prototypeSnapshot()).toEqual(snapshot)
      }),
      { numRuns: 80 },
    )
  })
})
