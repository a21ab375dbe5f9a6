/**
 * What a hostile key could change: the own properties (names and values, accessors included) of
 * `Object`, `Object.prototype`, `Array.prototype` and `Function.prototype`, to compare after a case.
 */
export function prototypeSnapshot() {
  const snapshot: Record<string, unknown[]> = {}
  const targets: [string, object][] = [
    ['Object', Object],
    ['Object.prototype', Object.prototype],
    ['Array.prototype', Array.prototype],
    ['Function.prototype', Function.prototype],
  ]
  for (const [label, target] of targets)
    snapshot[label] = Reflect.ownKeys(target).map((key) => {
      const { value, get, set } = Object.getOwnPropertyDescriptor(target, key)!
      return [String(key), value, get, set]
    })
  return snapshot
}

/** Every own name of `Object.prototype` (`__proto__`, `constructor`, `toString`, `hasOwnProperty`, …): keys that must stay ordinary. */
export const PROTOTYPE_NAMES: readonly string[] = Object.getOwnPropertyNames(Object.prototype)

/** `__proto__` and every other `Object.prototype` name, once each. */
export const HOSTILE_NAMES: readonly string[] = [...new Set(['__proto__', ...PROTOTYPE_NAMES])]
