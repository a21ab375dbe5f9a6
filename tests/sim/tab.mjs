import vm from 'node:vm'
import { watchBuiltIns } from './built-ins.mjs'
import { CustomEvent, Event, makeEventTarget } from './events.mjs'
import { Headers, Request, Response } from './fetch-classes.mjs'

/** A desktop Chrome: the bundle blocks crawlers (blockBots), so the agent must not look like one. */
export const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

/**
 * `sandboxed`: a frame sandboxed without allow-same-origin (an opaque origin): reading `localStorage` or
 * `document.cookie` throws a SecurityError (HTML §12.2.3, "If this's relevant settings object's origin is
 * opaque, throw"; `document.cookie` likewise), Web Locks requests reject with a SecurityError (Web Locks
 * API, request() step "If origin is an opaque origin, reject"). It shares nothing with the origin's tabs.
 */
export function createTab(world, { id, dataset, withLocks, sandboxed = false, url = 'https://shop.test/' }) {
  const { clock } = world
  const closers = []
  const rng = world.rng.fork()
  const tab = {
    id,
    sandboxed,
    closed: false,
    frozen: false,
    crashed: false,
    bornAt: clock.now,
    /** console output: [{ at, level, text }]; console.error is how the script tag reports a drop. */
    logs: [],
    /** Errors that escaped to the page: timer callbacks, event listeners, microtasks, rejections. */
    uncaught: [],
    /** Timer callbacks run, with the time each ran (the idle invariant counts them). */
    timersFired: [],
    flushes: [],
    onClose: (fn) => closers.push(fn),
  }
  const reportError = (error) => tab.uncaught.push({ at: clock.now, error: String(error?.stack || error) })
  tab.reportError = reportError

  const location = new URL(url)
  const global = {}
  const context = vm.createContext(global, { name: `tab ${id}` })
  const window = vm.runInContext('globalThis', context)
  tab.window = window
  tab.context = context
  makeEventTarget(window, reportError)

  const document = makeEventTarget(
    {
      currentScript: null,
      visibilityState: 'visible',
      hidden: false,
      referrer: '',
      readyState: 'complete',
      get cookie() {
        if (sandboxed) throw new DOMException('The document is sandboxed and lacks the allow-same-origin flag.', 'SecurityError')
        return world.cookies.read()
      },
      set cookie(text) {
        if (sandboxed) throw new DOMException('The document is sandboxed and lacks the allow-same-origin flag.', 'SecurityError')
        world.cookies.write(text)
      },
    },
    reportError,
  )
  const console = {}
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    console[level] = (...args) => tab.logs.push({ at: clock.now, level, text: args.map((arg) => (typeof arg == 'string' ? arg : String(arg?.message ?? arg))).join(' ') })
  }

  let timerId = 0
  const timers = new Map()
  const arm = (callback, delay, args, repeat) => {
    // The timeout is a WebIDL `long` (truncated), and below 0 counts as 0 (HTML timer initialisation steps).
    delay = Math.max(0, Math.trunc(Number(delay)) | 0)
    const handle = ++timerId
    const fire = () => {
      if (!timers.has(handle)) return
      if (repeat) timers.set(handle, clock.schedule(delay, fire, tab))
      else timers.delete(handle)
      tab.timersFired.push(clock.now)
      try {
        if (typeof callback == 'function') callback(...args)
      } catch (error) {
        reportError(error)
      }
    }
    timers.set(handle, clock.schedule(delay, fire, tab))
    return handle
  }
  const clear = (handle) => {
    clock.cancel(timers.get(handle))
    timers.delete(handle)
  }

  // Node's AbortSignal, except that its timeout() runs on this tab's virtual timers, not real time.
  const virtualAbortSignal = () => {
    function AbortSignal() {
      throw new TypeError('Illegal constructor')
    }
    AbortSignal.prototype = globalThis.AbortSignal.prototype
    AbortSignal.abort = (reason) => globalThis.AbortSignal.abort(reason)
    AbortSignal.any = (signals) => globalThis.AbortSignal.any(signals)
    AbortSignal.timeout = (ms) => {
      const controller = new AbortController()
      arm(() => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms, [], false)
      return controller.signal
    }
    return AbortSignal
  }

  const navigator = {
    userAgent: USER_AGENT,
    language: 'en-US',
    languages: ['en-US'],
    get onLine() {
      return world.network.online
    },
    cookieEnabled: true,
  }
  if (withLocks)
    navigator.locks = sandboxed
      ? { request: () => Promise.reject(new DOMException('Access to the Locks API is denied in this context.', 'SecurityError')), query: () => Promise.reject(new DOMException('denied', 'SecurityError')) }
      : world.locks.attach(tab)

  Object.assign(window, {
    window,
    self: window,
    document,
    navigator,
    location: {
      href: location.href,
      origin: location.origin,
      protocol: location.protocol,
      host: location.host,
      hostname: location.hostname,
      port: location.port,
      pathname: location.pathname,
      search: location.search,
      hash: location.hash,
    },
    history: { length: 1, state: null, pushState() {}, replaceState() {} },
    screen: { width: 1920, height: 1080 },
    innerWidth: 1280,
    innerHeight: 720,
    console,
    setTimeout: (callback, delay, ...args) => arm(callback, delay, args, false),
    setInterval: (callback, delay, ...args) => arm(callback, delay, args, true),
    clearTimeout: clear,
    clearInterval: clear,
    queueMicrotask: (callback) =>
      queueMicrotask(() => {
        try {
          callback()
        } catch (error) {
          reportError(error)
        }
      }),
    performance: { now: () => clock.now - tab.bornAt, timeOrigin: clock.wall() },
    crypto: {
      getRandomValues(array) {
        for (let i = 0; i < array.length; i++) array[i] = rng.int(0, 255)
        return array
      },
    },
    fetch: world.network.attach(tab),
    Request,
    Response,
    Headers,
    AbortController,
    AbortSignal: virtualAbortSignal(),
    DOMException,
    TextEncoder,
    TextDecoder,
    URL,
    URLSearchParams,
    Event,
    CustomEvent,
    Element: class Element {},
    BroadcastChannel: world.broadcast.attach(tab),
  })
  const storage = sandboxed ? undefined : world.storage.attach(tab)
  Object.defineProperty(window, 'localStorage', {
    configurable: true,
    enumerable: true,
    get() {
      if (sandboxed) throw new DOMException("Failed to read the 'localStorage' property from 'Window': The document is sandboxed and lacks the 'allow-same-origin' flag.", 'SecurityError')
      return storage
    },
  })
  // The wall clock: `Date` of this realm, reading the simulator's wall time (which can jump).
  vm.runInContext(
    `(() => {
      const Real = Date, wall = __wall
      function SimDate(...args) {
        if (!new.target) return new Real(wall()).toString()
        return args.length ? new Real(...args) : new Real(wall())
      }
      SimDate.prototype = Real.prototype
      SimDate.now = () => wall()
      SimDate.parse = Real.parse
      SimDate.UTC = Real.UTC
      Object.defineProperty(globalThis, 'Date', { value: SimDate, writable: true, configurable: true })
      Math.random = __random
      delete globalThis.__wall
      delete globalThis.__random
    })()`,
    Object.assign(context, { __wall: clock.wall, __random: rng.next }),
  )
  tab.PromisePrototype = vm.runInContext('Promise.prototype', context)
  // Taken before the bundle loads: the realm as the page had it.
  tab.prototypesChanged = watchBuiltIns(context)

  /** Values made in this realm: the bundle checks for plain objects of its own realm, as a page's would be. */
  tab.own = (value) => (value === undefined ? undefined : window.JSON.parse(JSON.stringify(value)))

  tab.load = (script) => {
    document.currentScript = { dataset: { ...dataset }, src: 'https://shop.test/userflux.min.js', async: true }
    try {
      script.runInContext(context)
    } catch (error) {
      reportError(error)
    }
    document.currentScript = null
    tab.client = window.userflux
  }

  const fire = (target, event) => target.dispatchEvent(event)
  const pageTransition = (type, persisted) => Object.assign(new Event(type), { persisted })
  const setVisibility = (state) => {
    if (document.visibilityState == state) return
    document.visibilityState = state
    document.hidden = state == 'hidden'
    fire(document, new Event('visibilitychange'))
  }
  tab.hide = () => setVisibility('hidden')
  tab.show = () => setVisibility('visible')
  /** HTML "unload a document": pagehide (persisted when it goes into the back/forward cache), then hidden. */
  tab.pagehide = (persisted) => {
    fire(window, pageTransition('pagehide', persisted))
    setVisibility('hidden')
  }
  /** HTML "reactivate a document": visible again, then pageshow with persisted true. */
  tab.pageshow = () => {
    setVisibility('visible')
    fire(window, pageTransition('pageshow', true))
  }
  tab.online = (online) => fire(window, new Event(online ? 'online' : 'offline'))
  /** The page is gone: its locks, its timers, its requests (keepalive ones excepted) go with it. */
  tab.destroy = (crashed) => {
    if (tab.closed) return
    tab.closed = true
    tab.crashed = crashed
    tab.frozen = false
    tab.closedAt = clock.now
    for (const [, task] of timers) clock.cancel(task)
    timers.clear()
    clock.dropOwner(tab)
    for (const fn of closers) fn(crashed)
  }
  return tab
}
