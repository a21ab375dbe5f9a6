import { UserFluxError } from './errors.js'
import type { Properties } from './types.js'

/** One update's properties, as JSON, may not exceed this (the API's per-request budget is tight). */
export const MAX_UPDATE_BYTES = 32 * 1024

export interface Sanitized {
  properties: Properties
  /** Length of the properties as JSON, in bytes (an upper bound when merged with others). */
  size: number
}

const invalid = (message: string) => new UserFluxError('invalid-argument', message)

/** UTF-8 bytes of JSON text. Multi-byte characters make it up to 3x the length: only then count. */
export const byteLength = (json: string) => (json.length * 3 > MAX_UPDATE_BYTES ? new TextEncoder().encode(json).length : json.length)

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (!value || typeof value != 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** "String", "null", "Map", "Thing" (a class instance): what a message should say the value was. */
const kind = (value: any): string => value?.constructor?.name || String(value)

/** identify's first argument. */
export function checkUserId(userId: unknown): UserFluxError | undefined {
  if (typeof userId != 'string' || !userId.trim()) return invalid('identify: userId must be a non-empty string')
}

/**
 * Validates and copies properties in one pass of `JSON.stringify`: the copy is what will be sent,
 * so later changes to the caller's object cannot alter a queued update, `Date`s become ISO strings
 * (through their `toJSON`) and `undefined` values disappear, exactly as they would on the wire.
 */
export function sanitize(method: string, properties: unknown): Sanitized | UserFluxError {
  let problem = ''
  try {
    if (!isPlainObject(properties)) return invalid(`${method}: properties must be a plain object, got ${kind(properties)}`)
    const json = JSON.stringify(properties, (key, value) => {
      const type = typeof value
      if (
        type == 'function' || type == 'symbol' || type == 'bigint' ||
        (type == 'number' && !isFinite(value)) ||
        (type == 'object' && value && !Array.isArray(value) && !isPlainObject(value))
      ) {
        problem = `${method}: "${key}" in properties is ${type == 'number' ? value : kind(value)}, not JSON`
        throw 0
      }
      return value
    })
    const size = byteLength(json)
    if (size > MAX_UPDATE_BYTES) return invalid(`${method}: properties over ${MAX_UPDATE_BYTES} bytes`)
    return { properties: JSON.parse(json), size }
  } catch (error) {
    return invalid(problem || `${method}: properties ${/circular/i.test(String(error)) ? 'are circular' : 'unreadable (' + error + ')'}`)
  }
}
