/**
 * The "Pending in this browser" panel: a mirror of the client's queue built only from its debug
 * output (see debug-tap.js), the way the client's own queue works: "queued" starts a new entry,
 * "coalesced" merges the call into the last one, "sent" removes the oldest entry of that visitor.
 * It knows the calls made on this page; updates an earlier visit left behind are not announced by
 * the client until they are delivered ("sent" with no entry here), and are listed as such.
 */
import { $, clear, element, formatTime } from './dom.js'

/** A body's identity and properties as one string, whatever the key order. */
export const bodyKey = ({ userId, anonymousId, properties }) =>
  JSON.stringify([userId ?? null, anonymousId ?? null, Object.entries(properties ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))])

export function mountPending(tap) {
  /** @type {{ userId?: string, anonymousId: string, properties: Record<string, unknown>, calls: number }[]} */
  const entries = []
  /** Every state an entry passed through → how many calls it held then, so a logged body can say. */
  const callsByBody = new Map()
  /** anonymousIds the client spoke of on this page. */
  const visitors = new Set()
  const earlier = []
  let lastWord

  const remember = (entry) => {
    callsByBody.set(bodyKey(entry), entry.calls)
    if (callsByBody.size > 1000) callsByBody.delete(callsByBody.keys().next().value)
  }

  function take(event) {
    const entry = event.entry
    if (entry?.anonymousId) visitors.add(entry.anonymousId)
    if (event.kind == 'queued' || (event.kind == 'coalesced' && !entries.length)) {
      const added = { userId: entry?.userId, anonymousId: entry?.anonymousId, properties: { ...entry?.properties }, calls: 1 }
      entries.push(added)
      remember(added)
    } else if (event.kind == 'coalesced') {
      const last = entries[entries.length - 1]
      Object.assign(last.properties, entry?.properties)
      last.calls++
      remember(last)
    } else if (event.kind == 'sent') {
      const index = entries.findIndex((pending) => pending.anonymousId == entry?.anonymousId)
      if (index >= 0) entries.splice(index, 1)
      else earlier.push({ at: event.at, entry })
      lastWord = event
    } else {
      lastWord = event
    }
  }

  function render() {
    const count = entries.reduce((sum, entry) => sum + entry.calls, 0)
    $('pending-summary').textContent = entries.length
      ? `${count} call${count == 1 ? '' : 's'} waiting, in ${entries.length} request${entries.length == 1 ? '' : 's'}.`
      : 'Nothing pending from this page.'
    const list = clear($('pending-list'))
    for (const entry of entries) {
      const who = entry.userId ? `userId ${entry.userId}` : `anonymous ${entry.anonymousId}`
      list.append(
        element('li', { 'data-testid': 'pending-entry' }, [
          element('p', {}, `${who} · ${entry.calls} call${entry.calls == 1 ? '' : 's'} coalesced · ${Object.keys(entry.properties).length} property keys`),
          element('pre', {}, JSON.stringify(entry.properties, null, 2)),
        ]),
      )
    }
    const previous = clear($('pending-earlier'))
    for (const { at, entry } of earlier.slice(-5)) {
      previous.append(element('li', {}, `${formatTime(at)}: delivered an update left by an earlier visit: ${JSON.stringify(entry?.properties ?? {})}`))
    }
    $('client-word').textContent = lastWord ? `${formatTime(lastWord.at)} · ${lastWord.kind == 'sent' ? 'sent (2xx)' : lastWord.message}` : '–'
  }

  for (const event of tap.events) take(event)
  render()
  tap.listen((event) => {
    take(event)
    render()
  })

  return {
    /** How many of this page's calls a logged body carried, if it is one this page sent. */
    callsIn: (body) => (body && typeof body == 'object' ? callsByBody.get(bodyKey(body)) : undefined),
    visitors,
  }
}
