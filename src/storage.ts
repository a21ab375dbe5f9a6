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
      report(new UserFluxError('storage', `storage is unusable (${(error as Error)?.name || error}); keeping data in memory`))
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
      const found = new Set<string>()
      try {
        for (let i = 0; backing && i < backing.length!; i++) {
          const key = backing.key!(i)
          if (key?.startsWith(prefix)) found.add(key)
        }
      } catch (error) {
        problem(error)
      }
      memory.forEach((value, key) => (key.startsWith(prefix) && value != null ? found.add(key) : found.delete(key)))
      return [...found]
    },
  }
}
