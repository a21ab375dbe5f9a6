/**
 * `localStorage` of one origin, shared by its tabs (HTML §12.2, https://html.spec.whatwg.org/multipage/webstorage.html).
 * - Each tab gets its own `Storage` object over one storage map; every operation is atomic (the
 *   simulator runs one task at a time, as a renderer does; Chromium serialises the area per origin).
 * - `setItem` / `removeItem` / `clear` that change something "broadcast": a `storage` event is queued
 *   as a task for every OTHER tab of the origin, never the one that wrote, in the order of the writes
 *   (HTML §12.2.1 "broadcast"; setItem of the value already there changes nothing and fires nothing).
 *   `delay` ms later, to model the cross-process hop.
 * - A quota: `setItem` that would grow the area past it throws a `QuotaExceededError` DOMException
 *   and changes nothing (HTML setItem step 4). Usage counts UTF-16 code units of keys and values,
 *   as Chromium and Firefox do. "Storage full" sets the quota to what is used now.
 */
export function createStorageArea(clock, { delay = 0, quota = 5 * 1024 * 1024 } = {}) {
  const map = new Map()
  const views = new Set()
  let limit = quota
  const usage = () => {
    let total = 0
    for (const [key, value] of map) total += key.length + value.length
    return total
  }
  const area = {
    map,
    /** Called as (tab, op, key, value) on every write that changed something: the invariants watch these. */
    onWrite: () => {},
    usage,
    setFull(full) {
      limit = full ? usage() : quota
    },
    broadcast(from, key, oldValue, newValue) {
      for (const view of views) {
        if (view.tab === from || view.tab.closed) continue
        clock.schedule(
          delay,
          () => {
            const event = new view.tab.window.Event('storage')
            Object.assign(event, { key, oldValue, newValue, url: view.tab.window.location.href, storageArea: view.storage })
            view.tab.window.dispatchEvent(event)
          },
          view.tab,
        )
      }
    },
    /** The `Storage` object of one tab. */
    attach(tab) {
      const storage = {
        get length() {
          return map.size
        },
        key: (index) => [...map.keys()][index] ?? null,
        getItem: (key) => map.get(String(key)) ?? null,
        setItem(key, value) {
          key = String(key)
          value = String(value)
          const old = map.get(key) ?? null
          if (old === value) return
          const grown = usage() - (old == null ? 0 : key.length + old.length) + key.length + value.length
          if (grown > limit) throw new DOMException(`Setting the value of '${key}' exceeded the quota.`, 'QuotaExceededError')
          map.set(key, value)
          area.onWrite(tab, 'set', key, value)
          area.broadcast(tab, key, old, value)
        },
        removeItem(key) {
          key = String(key)
          if (!map.has(key)) return
          const old = map.get(key)
          map.delete(key)
          area.onWrite(tab, 'remove', key, null)
          area.broadcast(tab, key, old, null)
        },
        clear() {
          if (!map.size) return
          map.clear()
          area.onWrite(tab, 'clear', null, null)
          area.broadcast(tab, null, null, null)
        },
      }
      const view = { tab, storage }
      views.add(view)
      tab.onClose(() => views.delete(view))
      return storage
    },
  }
  return area
}
