import type { SafeStorage } from '../browser/storage.js'

/**
 * The `anonymousId` option: an id handed over by a server or a native app's web view replaces the
 * stored one before anything reads it, so this page and the one that handed it over are one visitor.
 * options.ts has checked it (a non-empty string of at most 256 characters; a bad one is reported and
 * arrives here as undefined).
 */
export function bootstrapId(storage: SafeStorage, key: string, id: string | undefined): void {
  if (id !== undefined) storage._set(key, id, true)
}
