import { nanoid } from 'nanoid'
import type { UserFluxError } from './errors.js'
import { corrupt, type SafeStorage } from './storage.js'

export interface Identity {
  /** The anonymous id, created and persisted on first use. */
  anonymousId(): string
  userId(): string | null
  setUserId(userId: string): void
  /** Clears the user and starts a new anonymous id. */
  reset(): void
  /** Writes the current ids (after an opt-in), or removes them (`false`, after an opt-out). */
  store(keep: boolean): void
}

// Ids written by UserFlux's own SDK or by us: printable, no spaces, of a sane length.
const isValidId = (value: string) => /^[\x21-\x7e]{1,256}$/.test(value)

/**
 * The visitor's identity, kept as plain strings under `<prefix>-anonymousId` and `<prefix>-userId`
 * so that a site switching from UserFlux's own SDK keeps its visitors. Other tabs' changes arrive
 * through `storage` events.
 */
export function createIdentity(
  storage: SafeStorage,
  prefix: string,
  canStore: () => boolean,
  report: (error: UserFluxError) => void,
  /** Called when an id used while storage was unreadable turns out to differ from the stored one. */
  relabel: (from: string, to: string) => void,
): Identity {
  const anonymousKey = prefix + '-anonymousId'
  const userKey = prefix + '-userId'
  let anonymous: string | undefined
  // True while `anonymous` was made up because the stored id could not be read: we keep asking
  // storage, so a browser whose id is only unreadable for a moment never gets a second one.
  let tentative = false
  let user: string | null | undefined

  const write = (key: string, value: string | null) => {
    if (canStore()) value == null ? storage.remove(key) : storage.set(key, value)
  }

  const read = (key: string): string | null | undefined => {
    const value = storage.get(key)
    if (!value || isValidId(value)) return value
    // Corrupt: replaced, as if absent.
    report(corrupt(key))
    write(key, null)
    return null
  }

  const anonymousId = () => {
    if (anonymous && !tentative) return anonymous
    const stored = read(anonymousKey)
    if (stored === undefined) {
      if (!anonymous) (anonymous = nanoid()), (tentative = true)
    } else if (stored) {
      if (anonymous && anonymous != stored) relabel(anonymous, stored)
      anonymous = stored
      tentative = false
    } else {
      anonymous ||= nanoid()
      tentative = false
      write(anonymousKey, anonymous)
    }
    return anonymous
  }

  if (typeof addEventListener == 'function') {
    addEventListener('storage', (event) => {
      if (event.key == anonymousKey && event.newValue && isValidId(event.newValue)) anonymous = event.newValue
      if (event.key == userKey) user = event.newValue
    })
  }

  return {
    anonymousId,
    userId() {
      if (user === undefined) {
        const stored = read(userKey)
        if (stored === undefined) return null
        user = stored
      }
      return user
    },
    setUserId(userId) {
      write(userKey, (user = userId))
    },
    reset() {
      write(userKey, (user = null))
      write(anonymousKey, (anonymous = nanoid()))
      tentative = false
    },
    store(keep) {
      // Not through `write`: an opt-out must remove the ids although storing is no longer allowed.
      keep ? storage.set(anonymousKey, anonymousId()) : storage.remove(anonymousKey)
      keep && user ? storage.set(userKey, user) : storage.remove(userKey)
    },
  }
}
