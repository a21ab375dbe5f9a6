import { createClient } from './core/client.js'
import type { BufferedCall, ScriptTagClient } from './global.js'
import { kebab, optionsFromDataset } from './core/options.js'
import type { Options } from './types.js'

// The script tag entry: a client configured from this tag's data-* attributes, on window.userflux.
// currentScript is set while a classic script runs, async ones included.
const data = (document.currentScript as HTMLScriptElement | null)?.dataset || {}
// The same on every copy of this script, so a second copy knows the first one's client.
const MARK = Symbol.for('userflux-snippet.client')
const found = window.userflux as unknown

if (found && (found as Record<symbol, unknown>)[MARK]) {
  // Loaded twice: the first client stays the only one, so nothing is sent twice.
} else {
  let buffered: BufferedCall[] = []
  if (Array.isArray(found)) buffered = found
  else if (found !== undefined) {
    // Browsers put an element with id="userflux" on window by name; anything there is taken over,
    // loudly, rather than leaving the site without its client.
    console.error(`userflux: window.userflux was taken (${found instanceof Element ? `by <${found.localName} id="${found.id}">` : typeof found}); it now holds the client`)
  }
  // A missing data-write-key is reported by createClient, which then gives an inert client; none is
  // needed for a data-endpoint path of this origin, whose proxy holds the key (SPEC §12).
  const client = createClient({
    ...(optionsFromDataset(data) as unknown as Options),
    // No onError can be given in HTML: setup problems name the attribute the site wrote.
    onError: (error) => console.error(error.message.replace(/options\.(\w+)/g, (_, name) => 'data-' + kebab(name))),
  }) as ScriptTagClient
  const ready = (callback: (client: ScriptTagClient) => void) => {
    try {
      callback(client)
    } catch (error) {
      console.error(error) // the page's own bug, reported as the browser would, without stopping ours
    }
  }
  client.ready = ready
  ;(client as unknown as Record<symbol, boolean>)[MARK] = true
  window.userflux = client
  // Calls made before the script arrived, in the order they were made; the stub's flush() promises
  // settle with the client's own flush() result.
  for (const call of buffered) {
    try {
      const [method, ...args] = call
      // The client's own methods only: a buffered `['constructor']` or `['__proto__']` is no call.
      const result = Object.prototype.hasOwnProperty.call(client, method) && typeof (client as any)[method] == 'function' ? (client as any)[method](...args) : undefined
      const resolve = (call as { resolve?: (value: unknown) => void }).resolve
      if (typeof resolve == 'function') Promise.resolve(result).then(resolve)
    } catch (error) {
      console.error('userflux: a buffered call was not replayed:', error)
    }
  }
}
