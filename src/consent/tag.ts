import type { ConsentTarget } from './follow.js'

/**
 * The `data-*` attributes of the adapter's own script tag. Read while the script runs: that is the
 * only moment `document.currentScript` names it (async scripts included).
 */
export const tagData = (): Record<string, string | undefined> => {
  const data: Record<string, string | undefined> = Object.create(null)
  const dataset = (document.currentScript as HTMLScriptElement | null)?.dataset
  // Own attributes only: an `Object.prototype.category` set by another script must never be read.
  if (dataset) for (const name of Object.keys(dataset)) data[name] = dataset[name]
  return data
}

/**
 * Calls `start` with the script tag's client, whichever loads first. The client there: at once
 * (its `ready`). Not yet: a `['ready', start]` call in the buffer at `window.userflux` (the loader
 * stub's array, or one made here as the stub would), which the client replays when it loads
 * (src/iife.ts), so nothing polls and the order of the tags does not matter.
 */
export function onClient(start: (client: ConsentTarget) => void): void {
  try {
    let found = (window as any).userflux
    if (found && !Array.isArray(found) && typeof found.ready == 'function') return found.ready(start)
    if (!Array.isArray(found)) found = (window as any).userflux = []
    found.push(['ready', start])
  } catch {}
}
