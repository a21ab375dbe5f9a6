import { readFileSync } from 'node:fs'
import vm from 'node:vm'
import { createBroadcast } from './broadcast.mjs'
import { createClock } from './clock.mjs'
import { createCookieJar } from './cookies.mjs'
import { createLockManager } from './locks.mjs'
import { createNetwork } from './network.mjs'
import { createRng } from './rng.mjs'
import { createServer } from './server.mjs'
import { createStorageArea } from './storage.mjs'
import { createTab } from './tab.mjs'

const scripts = new Map()
/** Compiled once per bundle: each tab runs the same code in its own realm. */
export const loadBundle = (path) => {
  if (!scripts.has(path)) scripts.set(path, new vm.Script(readFileSync(path, 'utf8'), { filename: path }))
  return scripts.get(path)
}

/**
 * One origin in one browser: its tabs, shared localStorage, cookies, Web Locks (or none), the
 * network and the API, all on one virtual clock. Every method that changes something lets the
 * consequences due at the same virtual moment run before it returns.
 */
export function createWorld({ seed = 1, bundle, withLocks = true, dataset = {}, storageEventDelay = 0 }) {
  const rng = createRng(seed)
  const clock = createClock()
  const world = { rng, clock, withLocks, tabs: [] }
  world.cookies = createCookieJar(clock)
  world.broadcast = createBroadcast(clock)
  world.storage = createStorageArea(clock, { delay: storageEventDelay })
  world.server = createServer(clock)
  world.network = createNetwork(clock, world.server, rng.fork())
  world.locks = createLockManager(clock, {
    evictOnContention: (tab) => clock.schedule(0, () => world.evict(tab)),
  })
  const script = typeof bundle == 'string' ? loadBundle(bundle) : bundle
  let nextId = 1
  const settle = async () => {
    await clock.settle()
    await clock.runDue()
  }

  // Rejections nobody handled, of promises made in a tab's realm, are that tab's uncaught errors.
  const onRejection = (reason, promise) => {
    const tab = world.tabs.find((tab) => Object.getPrototypeOf(promise) === tab.PromisePrototype)
    if (tab) tab.uncaught.push({ at: clock.now, error: 'unhandled rejection: ' + String(reason?.stack || reason) })
    else world.hostRejections.push(String(reason?.stack || reason))
  }
  world.hostRejections = []
  process.on('unhandledRejection', onRejection)
  world.dispose = () => process.off('unhandledRejection', onRejection)

  Object.assign(world, {
    live: () => world.tabs.filter((tab) => !tab.closed && !tab.frozen),
    frozen: () => world.tabs.filter((tab) => !tab.closed && tab.frozen),
    /** `extra`: data-* options of this page only (e.g. `{ storage: 'memory' }`); `sandboxed`: an opaque-origin frame. */
    async open(extra, { sandboxed = false } = {}) {
      const tab = createTab(world, { id: nextId++, dataset: { ...dataset, ...extra }, withLocks, sandboxed })
      tab.memoryOnly = extra?.storage == 'memory' || sandboxed
      // A reload loads the same page: the same script tag, in the same kind of frame.
      tab.reopen = () => world.open(extra, { sandboxed })
      world.tabs.push(tab)
      world.onOpen?.(tab)
      tab.load(script)
      await settle()
      return tab
    },
    /** Runs `fn(tab)` as page code would (a task of that page), then what it set off. */
    async act(tab, fn) {
      let result
      try {
        result = fn(tab)
      } catch (error) {
        tab.reportError(error)
      }
      await settle()
      return result
    },
    async hide(tab) {
      tab.hide()
      await settle()
    },
    async show(tab) {
      tab.show()
      await settle()
    },
    /** The user closes the tab: pagehide (not persisted), then the page is gone. */
    async close(tab) {
      tab.pagehide(false)
      await clock.settle()
      tab.destroy(false)
      await settle()
    },
    /** The renderer dies: no event at all. */
    async crash(tab) {
      tab.destroy(true)
      await settle()
    },
    /** Reload: the old page unloads as on close, a new one loads on the same storage. */
    async reload(tab) {
      await world.close(tab)
      return tab.reopen()
    },
    /** Navigates away into the back/forward cache: pagehide persisted, then frozen. */
    async leave(tab) {
      tab.pagehide(true)
      await clock.settle()
      tab.frozen = true
      await settle()
    },
    async restore(tab) {
      if (!tab.frozen || tab.closed) return
      tab.frozen = false
      tab.pageshow()
      await settle()
    },
    /** A cached page discarded by the browser: it already had its pagehide, nothing more fires. */
    evict(tab) {
      if (!tab.closed) tab.destroy(false)
    },
    async setOnline(online) {
      if (world.network.online == online) return
      world.network.online = online
      for (const tab of world.tabs) if (!tab.closed) clock.schedule(0, () => tab.online(online), tab)
      await settle()
    },
    async setFault(mode) {
      world.server.mode = mode
    },
    async jump(ms) {
      clock.jumpWall(ms)
    },
    async setStorageFull(full) {
      world.storage.setFull(full)
      world.storageFull = full
    },
    async wait(ms) {
      await clock.settle()
      await clock.runUntil(clock.now + ms)
    },
  })
  return world
}
