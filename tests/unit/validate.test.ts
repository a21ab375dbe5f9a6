import { describe, expect, it } from 'vitest'
import { UserFluxError } from '../../src/core/errors.js'
import { checkUserId, MAX_UPDATE_BYTES, sanitize } from '../../src/core/validate.js'

const circular: any = { a: 1 }
circular.self = circular

describe('sanitize', () => {
  it.each([
    ['a string', 'nope', /properties must be a plain object, got String/],
    ['null', null, /properties must be a plain object, got null/],
    ['an array', [1], /got Array/],
    ['a Map', new Map(), /got Map/],
    ['a class instance', new (class Thing {})(), /got Thing/],
    ['a function value', { f: () => 1 }, /"f" in properties is Function, not JSON/],
    ['a symbol value', { s: Symbol('x') }, /"s" in properties is Symbol, not JSON/],
    ['a BigInt value', { b: 10n }, /"b" in properties is BigInt, not JSON/],
    ['NaN', { n: NaN }, /"n" in properties is NaN, not JSON/],
    ['Infinity', { n: Infinity }, /"n" in properties is Infinity, not JSON/],
    ['a nested function', { a: { deep: () => 1 } }, /"deep" in properties is Function, not JSON/],
    ['a nested Set', { a: [new Set()] }, /"0" in properties is Set, not JSON/],
    ['a circular object', circular, /"self" in properties is circular, not JSON/],
    ['a throwing getter', { get boom() { throw new Error('kaboom') } }, /properties unreadable \(Error: kaboom\)/],
    ['too big', { big: 'x'.repeat(MAX_UPDATE_BYTES) }, /properties over 32768 bytes/],
    ['too big in UTF-8', { big: 'é'.repeat(MAX_UPDATE_BYTES / 2) }, /properties over 32768 bytes/],
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
      _size: JSON.stringify(input).length,
    })
    input.nested.ok = false
    expect((result as any).properties.nested.ok).toBe(true)
  })

  it('writes what JSON would: toJSON applied, undefined array items as null, inherited keys ignored', () => {
    ;(Object.prototype as any).polluted = 'no'
    try {
      const result = sanitize('updateProfile', { list: [1, undefined, 'x'], custom: { toJSON: (key: string) => `custom:${key}` } }) as any
      expect(JSON.stringify(result.properties)).toBe('{"list":[1,null,"x"],"custom":"custom:custom"}')
      expect(Object.keys(result.properties)).toEqual(['list', 'custom'])
    } finally {
      delete (Object.prototype as any).polluted
    }
  })

  it('copies __proto__ and every Object.prototype name as an ordinary key, at any depth', () => {
    const names = Object.getOwnPropertyNames(Object.prototype)
    const text = '{' + names.map((name, i) => `${JSON.stringify(name)}:{"polluted":${i},"inner":{"__proto__":{"deep":true}}}`).join(',') + '}'
    const result = sanitize('updateProfile', JSON.parse(text)) as any
    expect(Object.keys(result.properties).sort()).toEqual([...names].sort())
    expect(JSON.stringify(result.properties)).toBe(text)
    // Plain objects, as JSON.parse makes them, each name an own key: no prototype was set, at any depth.
    for (const name of names) expect(Object.getOwnPropertyDescriptor(result.properties, name)?.value.polluted, name).toBe(names.indexOf(name))
    expect(Object.getPrototypeOf(result.properties)).toBe(Object.prototype)
    const inner = Object.getOwnPropertyDescriptor(result.properties, '__proto__')!.value.inner
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(inner, '__proto__')?.value).toEqual({ deep: true })
    expect(({} as any).polluted).toBeUndefined()
    expect(({} as any).deep).toBeUndefined()
  })

  it("names its own problem when a value's toJSON runs another sanitize that fails", () => {
    const inner = { toJSON: () => (sanitize('updateProfile', { bad: () => 1 }), 'fine') }
    expect((sanitize('identify', { inner, later: Symbol('s') }) as UserFluxError).message).toBe('userflux: identify: "later" in properties is Symbol, not JSON')
    // A toJSON that throws: no earlier problem is reported in its place.
    const throwing = { toJSON: () => (sanitize('updateProfile', { bad: () => 1 }), JSON.parse('{')) }
    expect((sanitize('identify', { throwing }) as UserFluxError).message).toMatch(/^userflux: identify: properties unreadable \(SyntaxError/)
  })

  it("defines every key of its copies: Object.prototype's setters and read-only names are never met", () => {
    const grabbed: unknown[] = []
    // Another script's setter, and a read-only name as a hardened (frozen) realm has them.
    Object.defineProperty(Object.prototype, 'email', { set: (value) => grabbed.push(value), configurable: true })
    Object.defineProperty(Object.prototype, 'locked', { value: 'proto', writable: false, configurable: true })
    try {
      const result = sanitize('updateProfile', { email: 'a@b.c', locked: 'mine', nested: { email: 'd@e.f', locked: 1 } }) as any
      expect(result).not.toBeInstanceOf(UserFluxError)
      expect(JSON.stringify(result.properties)).toBe('{"email":"a@b.c","locked":"mine","nested":{"email":"d@e.f","locked":1}}')
      expect(Object.getOwnPropertyDescriptor(result.properties.nested, 'locked')?.value).toBe(1)
      expect(grabbed).toEqual([])
    } finally {
      delete (Object.prototype as any).email
      delete (Object.prototype as any).locked
    }
  })

  it("walks arrays by index, never by the page's own map", () => {
    const list: any = [1, { a: 2 }]
    let called = 0
    list.map = () => (called++, [{ live: true }])
    const result = sanitize('updateProfile', { list }) as any
    expect(JSON.stringify(result.properties)).toBe('{"list":[1,{"a":2}]}')
    expect(called).toBe(0)
    // After a failed walk of an array, a getter's own error is what the next message names.
    expect((sanitize('updateProfile', { list: [Symbol('s')] }) as UserFluxError).message).toBe('userflux: updateProfile: "0" in properties is Symbol, not JSON')
    expect((sanitize('identify', { get broken() { throw new Error('boom') } }) as UserFluxError).message).toBe('userflux: identify: properties unreadable (Error: boom)')
  })

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null), { a: 1 })
    expect(sanitize('identify', bare)).toEqual({ properties: { a: 1 }, _size: 7 })
  })
})

describe('checkUserId', () => {
  // Since SPEC §14 the rule is isValidId's: control characters and more than 1,024 characters are refused too.
  it.each([[42], [''], ['   '], [null], [{}], ['a\u0000b'], ['line\nbreak'], ['\u007f'], ['x'.repeat(1025)]])('rejects %j', (value) => {
    expect(checkUserId(value)?.message).toMatch(/identify: userId must be a non-empty string of at most 1024 characters without control characters/)
  })
  it('accepts a string, of 1,024 characters too, and any text', () => {
    expect(checkUserId('user-42')).toBeUndefined()
    expect(checkUserId('x'.repeat(1024))).toBeUndefined()
    expect(checkUserId('José García 日本')).toBeUndefined()
  })
})
