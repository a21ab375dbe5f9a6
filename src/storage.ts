import { UserFluxError } from './errors.js'
import type { StorageLike } from './types.js'

/**
 * Storage that never throws. Values that could not be written are kept in memory (and win over
 * what the backing storage still holds), so a full or broken `localStorage` degrades the client to
 * memory instead of breaking it. `get` answers `undefined` when a value exists but cannot be read
 * right now, which callers must not mistake for "absent" (`null`).
 */
export interface SafeStorage {
  get(key: string): string | null | undefined
  set(key: string, value: string): void
  remove(key: string): void
  /** Keys that start with `prefix`. */
  keys(prefix: string): string[]
}

export const corrupt = (key: string) => new UserFluxError('storage', `corrupt ${key} ignored`)

export function createStorage(
  choice: 'localStorage' | 'memory' | StorageLike,
  report: (error: UserFluxError) => void,
): SafeStorage {
  const memory = new Map<string, string | null>()
  let reported = false
  let backing: StorageLike | undefined
  const problem = (error: unknown) => {
    if (!reported) {
      reported = true
      report(new UserFluxError('storage', `storage unusable (${(error as Error)?.name})`))
    }
  }
  try {
    // Reading `localStorage` itself throws in sandboxed iframes and with cookies blocked.
    backing = choice == 'memory' ? undefined : choice == 'localStorage' ? globalThis.localStorage : choice
  } catch (error) {
    problem(error)
  }

  return {
    get(key) {
      if (memory.has(key) || !backing) return memory.get(key) ?? null
      try {
        return backing.getItem(key)
      } catch (error) {
        problem(error)
      }
    },
    set(key, value) {
      try {
        backing!.setItem(key, value)
        memory.delete(key)
      } catch (error) {
        if (backing) problem(error)
        memory.set(key, value)
      }
    },
    remove(key) {
      try {
        backing!.removeItem(key)
        memory.delete(key)
      } catch (error) {
        if (backing) problem(error)
        memory.set(key, null)
      }
    },
    keys(prefix) {
      // Only the backing storage: what sits in memory is this page's own and no other's to adopt.
      const found: string[] = []
      try {
        for (let i = 0; backing && i < backing.length; i++) {
          const key = backing.key(i)!
          if (key.startsWith(prefix)) found.push(key)
        }
      } catch (error) {
        problem(error)
      }
      return found
    },
  }
}
