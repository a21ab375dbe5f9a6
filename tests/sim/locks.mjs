/**
 * Web Locks of one origin (https://w3c.github.io/web-locks/), exclusive mode, which is all the
 * bundle asks for (it never passes `mode`, `steal` or `signal`):
 * - `request(name, callback)` queues a request; when no one holds `name` and no request is ahead of
 *   it, it is granted and `callback(lock)` runs in a task of the requesting tab ("request a lock",
 *   "process the lock request queue"). The lock is held until the promise `callback` returned settles,
 *   and `request()`'s promise settles with it (rejects if `callback` throws).
 * - `{ ifAvailable: true }`: granted only if grantable right now, else `callback(null)`.
 * - A tab that closes or crashes loses every lock it holds and every request it queued (§ "agent
 *   termination": locks are released, requests dropped); the next request is then granted.
 * - A tab in the back/forward cache keeps its locks (the spec is silent; Chromium keeps them and
 *   evicts the cached page once another page asks for one of them, reason WebLocksContention, as
 *   this project saw in Chromium: ARCHITECTURE.md "Order across tabs and page restores").
 *   `evictOnContention` calls back for that.
 */
export function createLockManager(clock, { evictOnContention = () => {} } = {}) {
  /** name → the tab holding it */
  const held = new Map()
  /** name → requests waiting, in order */
  const queues = new Map()
  const grantable = (name, request) => !held.has(name) && (queues.get(name) || [])[0] === request

  const grant = (name, request) => {
    const queue = queues.get(name)
    queue.shift()
    if (!queue.length) queues.delete(name)
    held.set(name, request.tab)
    clock.schedule(0, () => request.invoke({ name, mode: 'exclusive' }), request.tab)
  }
  const processQueue = (name) => {
    const queue = queues.get(name)
    if (queue?.length && grantable(name, queue[0])) grant(name, queue[0])
  }
  const release = (name, tab) => {
    if (held.get(name) === tab) {
      held.delete(name)
      processQueue(name)
    }
  }

  const manager = {
    held,
    queues,
    /** The `navigator.locks` of one tab. */
    attach(tab) {
      tab.onClose(() => {
        for (const [name, queue] of queues) {
          queues.set(name, queue.filter((request) => request.tab !== tab))
          if (!queues.get(name).length) queues.delete(name)
        }
        for (const [name, holder] of [...held]) if (holder === tab) release(name, tab)
      })
      return {
        request(name, options, callback) {
          if (typeof options == 'function') (callback = options), (options = {})
          name = String(name)
          return new Promise((resolve, reject) => {
            const request = {
              tab,
              invoke(lock) {
                let result
                try {
                  result = Promise.resolve(callback(lock))
                } catch (error) {
                  result = Promise.reject(error)
                }
                result.then(resolve, reject).finally(() => lock && release(name, tab))
                // A released lock (the promise settled) lets the next request in.
              },
            }
            const holder = held.get(name)
            if (holder && holder.frozen && holder !== tab) evictOnContention(holder)
            if (options?.ifAvailable && (held.has(name) || queues.get(name)?.length)) {
              clock.schedule(0, () => request.invoke(null), tab)
              return
            }
            const queue = queues.get(name) || []
            queue.push(request)
            queues.set(name, queue)
            processQueue(name)
          })
        },
        query: async () => ({
          held: [...held].map(([name]) => ({ name, mode: 'exclusive' })),
          pending: [...queues].flatMap(([name, queue]) => queue.map(() => ({ name, mode: 'exclusive' }))),
        }),
      }
    },
  }
  return manager
}
