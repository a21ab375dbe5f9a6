import fc from '../support/property.js'
import { describe, expect, it } from 'vitest'
import { dropKey, mergeEntries, pairSize, sameIdentity, SIZES, type Entry } from '../../src/delivery/entry.js'
import { MAX_UPDATE_BYTES, put } from '../../src/core/validate.js'
import type { Properties } from '../../src/types.js'
import { HOSTILE_NAMES, prototypeSnapshot } from '../support/prototypes.js'

/** An entry of `properties`, every value stamped `stamp` unless `stamps` says otherwise. */
const entry = (properties: Record<string, unknown>, stamp: number, more: Partial<Entry> = {}): Entry => {
  const own: Properties = Object.create(null)
  for (const name of Object.keys(properties)) put(own, name, properties[name])
  return {
    anonymousId: 'a',
    locationEnrichment: false,
    properties: own,
    stamps: new Map(Object.keys(properties).map((name) => [name, stamp])),
    bytes: JSON.stringify(own).length,
    firstStamp: stamp,
    ...more,
  }
}

describe('sameIdentity', () => {
  const base = { userId: 'u', anonymousId: 'a', locationEnrichment: false, externalId: 'e' }
  it('is true for the same four fields', () => {
    expect(sameIdentity(base, { ...base })).toBe(true)
    expect(sameIdentity({ anonymousId: 'a', locationEnrichment: true }, { anonymousId: 'a', locationEnrichment: true })).toBe(true)
  })
  it.each([
    ['userId', 'v'],
    ['userId', undefined],
    ['anonymousId', 'b'],
    ['locationEnrichment', true],
    ['externalId', 'f'],
    ['externalId', undefined],
  ])('is false when %s differs (%j)', (field, value) => {
    expect(sameIdentity(base, { ...base, [field]: value })).toBe(false)
    expect(sameIdentity({ ...base, [field]: value }, base)).toBe(false)
  })
})

describe('pairSize', () => {
  it('is the UTF-8 bytes of "name":value plus its comma or brace', () => {
    expect(pairSize('a', 1)).toBe('"a":1,'.length)
    expect(pairSize('日', '本')).toBe(new TextEncoder().encode('"日":"本",').length)
  })
})

describe('mergeEntries', () => {
  it('keeps the newer value of each key by stamp, whichever side it is on', () => {
    const into = entry({ x: 'into, newer', y: 'into, older' }, 20)
    into.stamps.set('y', 5)
    const from = entry({ x: 'from, older', y: 'from, newer', z: 'from only' }, 10)
    const bytes = into.bytes + from.bytes
    expect(mergeEntries(into, from)).toBe(true)
    expect({ ...into.properties }).toEqual({ x: 'into, newer', y: 'from, newer', z: 'from only' })
    expect(into.stamps).toEqual(new Map([['x', 20], ['y', 10], ['z', 10]]))
    // The sum of both: an upper bound, and the exact sizes near the limit are measured again.
    expect(into.bytes).toBe(bytes)
    expect(into[SIZES]).toBeUndefined()
  })

  it('keeps the link of identify() when either side has it', () => {
    const into = entry({ x: 1 }, 1)
    expect(mergeEntries(into, entry({ y: 1 }, 2, { link: true }))).toBe(true)
    expect(into.link).toBe(true)
    const linked = entry({ x: 1 }, 1, { link: true })
    expect(mergeEntries(linked, entry({ y: 1 }, 2))).toBe(true)
    expect(linked.link).toBe(true)
    const plain = entry({ x: 1 }, 1)
    expect(mergeEntries(plain, entry({ y: 1 }, 2))).toBe(true)
    expect(plain).not.toHaveProperty('link')
  })

  it('takes an equal stamp from the merged entry', () => {
    const into = entry({ x: 1 }, 7)
    expect(mergeEntries(into, entry({ x: 2 }, 7))).toBe(true)
    expect(into.properties.x).toBe(2)
  })

  it('refuses, untouched, another identity or a result over the size limit', () => {
    const into = entry({ x: 1 }, 1)
    const before = { properties: { ...into.properties }, stamps: new Map(into.stamps), bytes: into.bytes }
    expect(mergeEntries(into, entry({ y: 1 }, 2, { anonymousId: 'b' }))).toBe(false)
    expect(mergeEntries(into, entry({ y: 1 }, 2, { userId: 'u' }))).toBe(false)
    expect(mergeEntries(into, entry({ y: 1 }, 2, { locationEnrichment: true }))).toBe(false)
    expect(mergeEntries(into, entry({ y: 1 }, 2, { bytes: MAX_UPDATE_BYTES - into.bytes + 1 }))).toBe(false)
    expect({ properties: { ...into.properties }, stamps: into.stamps, bytes: into.bytes }).toEqual(before)
    // Exactly at the limit is still sendable.
    expect(mergeEntries(into, entry({ y: 1 }, 2, { bytes: MAX_UPDATE_BYTES - into.bytes }))).toBe(true)
    expect(into.bytes).toBe(MAX_UPDATE_BYTES)
  })

  it('merges __proto__, constructor and every Object.prototype name as ordinary keys', () => {
    const snapshot = prototypeSnapshot()
    const names = HOSTILE_NAMES
    const values = Object.fromEntries(names.map((name, i) => [name, { polluted: i }]))
    // A plain object as `into` (a queue read back from storage holds those), a null-prototype one as `from`.
    const into: Entry = { ...entry({}, 1), properties: {} }
    const from = entry({}, 2)
    for (const name of names) {
      put(from.properties, name, values[name])
      from.stamps.set(name, 2)
    }
    expect(mergeEntries(into, from)).toBe(true)
    expect(Object.getPrototypeOf(into.properties)).toBe(Object.prototype)
    expect(Object.keys(into.properties).sort()).toEqual([...names].sort())
    expect(Object.keys(into.properties)).toContain('__proto__')
    for (const name of names) expect(Object.getOwnPropertyDescriptor(into.properties, name)?.value).toBe(values[name])
    expect(JSON.parse(JSON.stringify(into.properties))).toEqual(JSON.parse(JSON.stringify(Object.fromEntries(names.map((name) => [name, values[name]])))))
    expect(({} as any).polluted).toBeUndefined()
    expect(prototypeSnapshot()).toEqual(snapshot)
  })

  it('property: the result holds, for each key, the value of the higher stamp', () => {
    const side = fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...HOSTILE_NAMES)), fc.tuple(fc.integer({ min: 0, max: 5 }), fc.jsonValue({ maxDepth: 2 })), { maxKeys: 8 })
    const snapshot = prototypeSnapshot()
    fc.assert(
      fc.property(side, side, (left, right) => {
        const make = (stamped: Record<string, [number, unknown]>) => {
          const made = entry({}, 0)
          for (const name of Object.keys(stamped)) {
            put(made.properties, name, stamped[name][1])
            made.stamps.set(name, stamped[name][0])
          }
          return made
        }
        const into = make(left)
        expect(mergeEntries(into, make(right))).toBe(true)
        const names = new Set([...Object.keys(left), ...Object.keys(right)])
        expect(new Set(Object.keys(into.properties))).toEqual(names)
        for (const name of names) {
          const l = Object.prototype.hasOwnProperty.call(left, name) ? left[name] : undefined
          const r = Object.prototype.hasOwnProperty.call(right, name) ? right[name] : undefined
          const winner = r && (!l || r[0] >= l[0]) ? r : l!
          expect(into.properties[name]).toBe(winner[1])
          expect(into.stamps.get(name)).toBe(winner[0])
        }
        expect(prototypeSnapshot()).toEqual(snapshot)
      }),
      { numRuns: 60 },
    )
  })
})

describe('dropKey', () => {
  it('removes the value and its stamp, __proto__ included', () => {
    const made = entry({ x: 1, constructor: 3 }, 1)
    put(made.properties, '__proto__', 2)
    made.stamps.set('__proto__', 1)
    dropKey(made, '__proto__')
    dropKey(made, 'x')
    expect(Object.keys(made.properties)).toEqual(['constructor'])
    expect([...made.stamps.keys()]).toEqual(['constructor'])
  })
})
