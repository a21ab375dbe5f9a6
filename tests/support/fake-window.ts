import { vi } from 'vitest'

/**
 * A page for unit tests in Node: `document` and window's `addEventListener` / `dispatchEvent` on one
 * EventTarget, so that a client takes itself for a browser's (the registry, lifecycle listeners).
 * Counts the listeners added and removed, so a test can see that `destroy()` releases them all.
 */
export function fakeWindow() {
  const target = new EventTarget()
  const live = new Set<unknown>()
  const add = target.addEventListener.bind(target)
  const addEventListener = (type: string, listener: any, options?: AddEventListenerOptions) => {
    const entry = [type, listener]
    live.add(entry)
    options?.signal?.addEventListener('abort', () => live.delete(entry))
    add(type, listener, options)
  }
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible', addEventListener })
  vi.stubGlobal('document', document)
  vi.stubGlobal('addEventListener', addEventListener)
  vi.stubGlobal('dispatchEvent', target.dispatchEvent.bind(target))
  return {
    /** Listeners added and not removed (by their signal) since. */
    get listeners() {
      return live.size
    },
    dispatch: (event: Event) => target.dispatchEvent(event),
  }
}
