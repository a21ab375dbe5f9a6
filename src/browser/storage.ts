import { UserFluxError } from '../core/errors.js'
import type { StorageLike } from '../types.js'

/**
 * Storage that never throws. Values that could not be written are kept in memory (and win over
 * what the backing storage still holds), so a full or broken `localStorage` degrades the client to
 * memory instead of breaking it. `get` answers `undefined` when a value exists but cannot be read
 * right now, which callers must not mistake for "absent" (`null`).
 */
export interface SafeStorage {
  _get(key: string): string | null | undefined
  /**
   * `announce`: tell the other clients of this page (storage events only reach other tabs).
   * `keepOnFailure`: a value that could not be written leaves the stored one as it was (else it is
   * removed, as a stale queue would be sent again). Answers false when a real storage refused it
   * (full, broken): the value then lives in this page's memory only, where no other tab sees it.
   */
  _set(key: string, value: string, announce?: boolean, keepOnFailure?: boolean): boolean | void
  _remove(key: string, announce?: boolean): void
  /** Keys that start with `prefix`. */
  _keys(prefix: string): string[]
  /** Whether what is written lasts beyond this page: a real storage that has not failed (else memory). */
  _lasting(): boolean
  /**
   * Calls `changed(key, newValue, own)` when another tab, or another client of this page, changed a key of this
   * same storage (`null`: the storage was cleared); `own`: this storage's own announcement, heard too.
   */
  _watch(changed: (key: string | null, newValue?: string | null, own?: boolean) => void): void
}

export const corrupt = (key: string) => new UserFluxError('storage', `corrupt ${key} ignored`)

/** The event another client of this page dispatches when it changes a shared key. */
const PAGE_EVENT = 'userflux:storage'

export function createStorage(
  choice: 'localStorage' | 'memory' | StorageLike,
  report: (error: UserFluxError) => void,
  /** Aborted by the client's destroy(): every listener `_watch` added goes. */
  signal?: AbortSignal,
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
  // Tells this storage's own announcements from those of the page's other clients.
  const self = {}
  const announce = (key: string, value: string | null) => {
    try {
      dispatchEvent(new CustomEvent(PAGE_EVENT, { detail: [backing, key, value, self] }))
    } catch {
      // No window (SSR): no other client on this page to tell.
    }
  }

  return {
    _get(key) {
      if (memory.has(key) || !backing) return memory.get(key) ?? null
      try {
        return backing.getItem(key)
      } catch (error) {
        problem(error)
      }
    },
    _set(key, value, tell, keepOnFailure) {
      let kept = true
      try {
        backing!.setItem(key, value)
        memory.delete(key)
      } catch (error) {
        if (backing) {
          kept = false
          problem(error)
          // A value left behind would be stale (storage full: an older queue), and another page
          // adopting it would send old values again after newer ones. Removing never needs space.
          try {
            if (!keepOnFailure) backing.removeItem(key)
          } catch {}
        }
        memory.set(key, value)
      }
      if (tell) announce(key, value)
      return kept
    },
    _remove(key, tell) {
      try {
        backing!.removeItem(key)
        memory.delete(key)
      } catch (error) {
        if (backing) problem(error)
        memory.set(key, null)
      }
      if (tell) announce(key, null)
    },
    _lasting: () => !!backing && !reported,
    _keys(prefix) {
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
    _watch(changed) {
      // Only changes to this client's own backing storage: a memory client shares nothing.
      if (!backing || typeof addEventListener != 'function') return
      addEventListener('storage', (event) => event.storageArea === backing && changed(event.key, event.newValue), { signal })
      addEventListener(
        PAGE_EVENT,
        (event) => {
          // Anyone can dispatch this event: only ours (an array naming this storage) is read.
          const detail = (event as CustomEvent).detail
          if (Array.isArray(detail) && detail[0] === backing) changed(detail[1], detail[2], detail[3] === self)
        },
        { signal },
      )
    },
  }
}
