import type { Properties } from '../types.js'

/**
 * What this page last queued for the signed-in user, key by key, so that `setUser()` called on every
 * render sends only what changed. One user at a time: another user starts afresh.
 */
export function createUnchanged() {
  let user: string | undefined
  // The values themselves, compared as JSON only when setUser asks: every update passes through
  // `_queued`, and a JSON.stringify per key there was most of the cost of a one-key loop (issue 20).
  // They are sanitize()'s copies, which nothing changes afterwards (an entry's properties object
  // grows and loses keys, but never a value in place).
  let queued = new Map<string, unknown>()
  return {
    /**
     * `properties` without the values this page queued last for `userId` (the same JSON). The one
     * place setUser's dedupe decides: a check of what this browser last delivered, across page
     * loads, belongs here too.
     */
    _skipUnchanged(userId: string, properties: Properties): Properties {
      // A copy whose own keys are deleted, never assigned: a key such as `__proto__` stays a key.
      const fresh = { ...properties }
      if (user == userId)
        for (const name of Object.keys(fresh)) if (queued.has(name) && JSON.stringify(queued.get(name)) == JSON.stringify(fresh[name])) delete fresh[name]
      return fresh
    },
    /** Updates queued for `userId` (identified), whichever method queued them. */
    _queued(userId: string | undefined, properties: Properties) {
      if (user != userId) (user = userId), (queued = new Map())
      if (userId) for (const name of Object.keys(properties)) queued.set(name, properties[name])
    },
  }
}
