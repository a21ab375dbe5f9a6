import type { SafeStorage } from '../browser/storage.js'

export interface Held extends SafeStorage {
  /**
   * Ends what is held: `keep` writes it out (consent granted), else it is dropped (denied). Answers
   * how many keys were held.
   */
  _release(keep: boolean): number
}

/**
 * While consent is pending (SPEC §11) nothing may reach storage or cookies, yet the page's calls must
 * survive until the choice, under the identity the page already showed. So the client's storage is
 * this overlay: every module reads and writes as it always does, and while `holding()` its writes stay
 * in memory, where reads find it first. Each held key remembers what storage had when it
 * was first held: at write-out, a key that another tab or subdomain changed meanwhile keeps that
 * value (the tab where the visitor said yes stored its visitor first; one visitor per browser, §4).
 */
export function holdWrites(inner: SafeStorage, holding: () => boolean): Held {
  // key → [what storage had when first held, the held value (null: removed)]
  const held = new Map<string, [string | null | undefined, string | null]>()
  // Every argument passed on: a ledger write that hits the quota must keep the stored record
  // (`keepOnFailure`), or every page forgets what was delivered (issue 25 case 10).
  const put = (key: string, value: string | null, announce?: boolean, keepOnFailure?: boolean): boolean | void => {
    if (holding()) return void held.set(key, [held.has(key) ? held.get(key)![0] : inner._get(key), value])
    held.delete(key)
    return value == null ? inner._remove(key, announce) : inner._set(key, value, announce, keepOnFailure)
  }
  return {
    ...inner,
    _get: (key) => (held.has(key) ? held.get(key)![1] : inner._get(key)),
    _set: put,
    _remove: (key, announce) => put(key, null, announce),
    _release(keep) {
      const count = held.size
      // Announced: this page's other clients of the same storage follow, as other tabs do.
      if (keep) held.forEach(([before, value], key) => inner._get(key) === before && (value == null ? inner._remove(key, true) : inner._set(key, value, true)))
      held.clear()
      return count
    },
  }
}
