import { SCRIPT_TAG } from '../core/build.js'
import { readSafely } from '../core/validate.js'

/** Web Locks, where the browser has them (not in old browsers, nor on insecure origins). */
const locks = (): LockManager | undefined => readSafely(() => globalThis.navigator?.locks)
export const hasLocks = () => !!locks()

/**
 * `manager.request(...)` as a promise that may reject but never throws: a page can replace
 * LockManager.prototype.request with one that throws at once (issue 25 case 13), and the callers'
 * `.catch` must see that too.
 */
const request = (manager: LockManager, ...args: unknown[]): Promise<unknown> =>
  new Promise((resolve) => resolve((manager.request as (...args: unknown[]) => Promise<unknown>)(...args)))

/** Runs `task` holding the origin-wide lock `name`, or at once where there are no Web Locks. */
export function withLock<T>(name: string, task: () => Promise<T>): Promise<T | undefined> {
  const manager = locks()
  let ran = false
  const once = () => {
    ran = true
    return task()
  }
  // A request can fail (an opaque origin): the task then runs without the lock. A task that ran
  // and failed is never run again (that would send twice); its failure settles as undefined.
  return manager ? (request(manager, name, once) as Promise<T>).catch(() => (ran ? undefined : once())) : once()
}

/**
 * Holds every lock of `names` that nobody holds, runs `task` once with their names when every
 * request has answered, then lets them go: several closed pages' queues are adopted in one step, so
 * the queue cap applies to all of them at once. Answers false where there are no Web Locks, and
 * nothing was tried.
 */
export function ifLocksFree(names: string[], task: (free: string[]) => void): boolean {
  const manager = locks()
  const free: string[] = []
  let release = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  const asked = names.map(
    (name) =>
      new Promise<void>((answered) => {
        if (manager)
          request(manager, name, { ifAvailable: true }, (lock: Lock | null) => {
            answered()
            if (lock) return free.push(name), held
          }).catch(() => answered())
      }),
  )
  if (manager)
    Promise.all(asked)
      .then(() => task(free))
      // Whatever the task does, the locks it was given go back, and nothing reaches the page.
      .catch(() => {})
      .finally(release)
  return !!manager
}

/** Holds `name` until the returned function is called; `onHeld` runs once it is held. */
export function holdLock(name: string, onHeld?: () => void): () => void {
  let released = false
  let release = () => {}
  // Released before it was granted (a client destroyed at once, as StrictMode and HMR do, or a page
  // left at once): let go as soon as it is granted, without running onHeld for a client gone.
  const manager = locks()
  // Without Web Locks there is nothing to wait for.
  if (!manager) onHeld?.()
  if (manager)
    request(manager, name, () => {
      if (!SCRIPT_TAG && released) return
      onHeld?.()
      return new Promise<void>((resolve) => (release = resolve))
    }).catch(() => {})
  return SCRIPT_TAG ? () => release() : () => ((released = true), release())
}
