import { SCRIPT_TAG } from './build.js'
import { UserFluxError } from './errors.js'
import type { IdentityState } from '../types.js'

export interface Subscribers {
  _subscribe(listener: (state: IdentityState) => void): () => void
  /** Something may have changed: listeners hear of it (once, at the end of the task) if it did. */
  _changed(): void
  /** destroy(): not in the script tag (src/core/build.ts). */
  _clear?(): void
}

/**
 * The listeners of `subscribe()`. They are told at most once per microtask, with the state as it is
 * then: a `reset()` writes the user and the anonymous id one after the other, and a listener must
 * never see the one changed and not the other. `read` is only called while someone listens.
 */
export function createSubscribers(read: () => IdentityState, report: (error: UserFluxError) => void): Subscribers {
  const listeners = new Set<(state: IdentityState) => void>()
  let last = ''
  let pending = false
  const emit = () => {
    pending = false
    const state = read()
    const seen = JSON.stringify(state)
    if (seen == last) return
    last = seen
    for (const listener of [...listeners]) {
      try {
        listener(state)
      } catch (error) {
        // The app's bug: said, and the other listeners are still told.
        report(new UserFluxError('listener', 'listener threw: ' + error))
      }
    }
  }
  return {
    _subscribe(listener) {
      // Not called at subscription: from now on, changes from the state the getters give now.
      if (!listeners.size) last = JSON.stringify(read())
      // Wrapped, so the same function subscribed twice is two subscriptions, each undone on its own.
      const own = (state: IdentityState) => listener(state)
      listeners.add(own)
      return () => void listeners.delete(own)
    },
    _changed() {
      if (listeners.size && !pending) (pending = true), queueMicrotask(emit)
    },
    ...(!SCRIPT_TAG && { _clear: () => listeners.clear() }),
  }
}
