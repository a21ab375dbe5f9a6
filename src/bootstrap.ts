import { UserFluxError } from './errors.js'
import type { SafeStorage } from './storage.js'

/**
 * The `anonymousId` option: an id handed over by a server or a native app's web view replaces the
 * stored one before anything reads it, so this page and the one that handed it over are one visitor.
 * The rule is the one stored ids are held to (printable, no spaces, at most 256 characters).
 */
export function bootstrapId(storage: SafeStorage, key: string, id: unknown, report: (error: UserFluxError) => void): void {
  if (id === undefined) return
  if (typeof id == 'string' && /^[\x21-\x7e]{1,256}$/.test(id)) storage._set(key, id)
  else report(new UserFluxError('invalid-argument', 'options.anonymousId invalid: ignored'))
}
