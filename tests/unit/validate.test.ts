import { describe, expect, it } from 'vitest'
import { UserFluxError } from '../../src/errors.js'
import { checkUserId, MAX_UPDATE_BYTES, sanitize } from '../../src/validate.js'

const circular: any = { a: 1 }
circular.self = circular

describe('sanitize', () => {
  it.each([
    ['a string', 'nope', /properties must be a plain object, got String/],
    ['null', null, /properties must be a plain object, got Null/],
    ['an array', [1], /got Array/],
    ['a Map', new Map(), /got Map/],
    ['a class instance', new (class Thing {})(), /got Thing/],
    ['a function value', { f: () => 1 }, /properties has Function at key "f"/],
    ['a symbol value', { s: Symbol('x') }, /properties has Symbol at key "s"/],
    ['a BigInt value', { b: 10n }, /properties has BigInt at key "b"/],
    ['NaN', { n: NaN }, /properties has NaN at key "n"/],
    ['Infinity', { n: Infinity }, /properties has Infinity at key "n"/],
    ['a nested function', { a: { deep: () => 1 } }, /properties has Function at key "deep"/],
    ['a nested Set', { a: [new Set()] }, /properties has Set at key "0"/],
    ['a circular object', circular, /properties are circular/],
    ['a throwing getter', { get boom() { throw new Error('kaboom') } }, /cannot be read: Error: kaboom/],
    ['too big', { big: 'x'.repeat(MAX_UPDATE_BYTES) }, /over the limit of 32768/],
    ['too big in UTF-8', { big: 'é'.repeat(MAX_UPDATE_BYTES / 2) }, /over the limit of 32768/],
  ])('rejects %s, naming the argument', (_, value, message) => {
    const result = sanitize('updateProfile', value)
    expect(result).toBeInstanceOf(UserFluxError)
    expect((result as UserFluxError).code).toBe('invalid-argument')
    expect((result as UserFluxError).message).toMatch(/^userflux: updateProfile: /)
    expect((result as UserFluxError).message).toMatch(message)
  })

  it('copies, turns Dates into ISO strings and drops undefined', () => {
    const input = { when: new Date(Date.UTC(2026, 0, 2)), gone: undefined, list: [1, 'a', null], nested: { ok: true } }
    const result = sanitize('updateProfile', input)
    expect(result).toEqual({
      properties: { when: '2026-01-02T00:00:00.000Z', list: [1, 'a', null], nested: { ok: true } },
      size: JSON.stringify(input).length,
    })
    input.nested.ok = false
    expect((result as any).properties.nested.ok).toBe(true)
  })

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null), { a: 1 })
    expect(sanitize('identify', bare)).toEqual({ properties: { a: 1 }, size: 7 })
  })
})

describe('checkUserId', () => {
  it.each([[42], [''], ['   '], [null], [{}]])('rejects %j', (value) => {
    expect(checkUserId('identify', value)?.message).toMatch(/identify: userId must be a non-empty string/)
  })
  it('accepts a string', () => expect(checkUserId('identify', 'user-42')).toBeUndefined())
})
