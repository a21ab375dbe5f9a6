/**
 * DOM events as much as the bundle uses them: `addEventListener` / `removeEventListener` /
 * `dispatchEvent` on `window` and `document`, `Event`, `CustomEvent` (with `detail`) and the fields of
 * `StorageEvent` and `PageTransitionEvent` it reads (DOM §2.9-2.10, https://dom.spec.whatwg.org/#dispatching-events).
 * Listeners run synchronously in the order added; an exception in one is reported as uncaught (as
 * browsers report it to `window.onerror`) and does not stop the others (DOM "inner invoke", step
 * "report the exception").
 */
export class Event {
  constructor(type, init = {}) {
    this.type = String(type)
    this.bubbles = !!init.bubbles
    this.cancelable = !!init.cancelable
    this.defaultPrevented = false
    this.target = null
    this.currentTarget = null
    this.timeStamp = 0
  }
  preventDefault() {
    if (this.cancelable) this.defaultPrevented = true
  }
  stopPropagation() {}
  stopImmediatePropagation() {
    this.stopped = true
  }
}

export class CustomEvent extends Event {
  constructor(type, init = {}) {
    super(type, init)
    this.detail = init.detail ?? null
  }
}

/** `reportError(error)`: where a listener's exception goes (the tab records it as uncaught). */
export function makeEventTarget(target, reportError) {
  const listeners = new Map()
  target.addEventListener = (type, listener, options) => {
    if (!listener) return
    const list = listeners.get(type) || []
    if (list.some((entry) => entry.listener === listener)) return
    list.push({ listener, once: typeof options == 'object' && !!options?.once })
    listeners.set(type, list)
  }
  target.removeEventListener = (type, listener) => {
    const list = listeners.get(type)
    if (list) listeners.set(type, list.filter((entry) => entry.listener !== listener))
  }
  target.dispatchEvent = (event) => {
    event.target = event.target || target
    event.currentTarget = target
    for (const entry of [...(listeners.get(event.type) || [])]) {
      if (entry.once) target.removeEventListener(event.type, entry.listener)
      try {
        typeof entry.listener == 'function' ? entry.listener.call(target, event) : entry.listener.handleEvent(event)
      } catch (error) {
        reportError(error)
      }
      if (event.stopped) break
    }
    return !event.defaultPrevented
  }
  return target
}
