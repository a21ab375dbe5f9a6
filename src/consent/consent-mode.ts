import { follow, own, type ConsentTarget, type Dispose, type Verdict } from './follow.js'

export interface ConsentModeOptions {
  /**
   * The array gtag.js and Google Tag Manager read their commands from.
   * @default window.dataLayer (created when absent, as gtag's own snippet does)
   */
  dataLayer?: unknown[]
}

/**
 * Follows Google Consent Mode v2's `analytics_storage` from the consent commands in `dataLayer`:
 * `gtag('consent', 'default' | 'update', { analytics_storage: 'granted' | 'denied' })`, which gtag
 * pushes as `arguments` objects (arrays work too). An update decides (granted, or denied: a
 * withdrawal); until one, a default grants only when no default is scoped to regions (a visitor's
 * region cannot be known here, and an EEA default of denied must not be lifted by a worldwide
 * default of granted); a default of denied leaves the client pending. Entries already there are read
 * first, then `dataLayer.push` is wrapped (GTM's own wrapper, before or after ours, keeps working:
 * ours calls the push it found and returns what it returned). Returns the function that stops.
 */
export function consentMode(client: ConsentTarget, { dataLayer }: ConsentModeOptions = {}): Dispose {
  const apply = follow(client)
  let layer: unknown
  try {
    layer = Array.isArray(dataLayer) ? dataLayer : ((globalThis as any).dataLayer ||= [])
  } catch {}
  // Something else at window.dataLayer is not ours to hook.
  if (!Array.isArray(layer)) return () => {}
  const list: unknown[] = layer
  let updated: Verdict
  let byDefault: Verdict
  let regional = false
  let stopped = false
  const read = (entry: unknown) => {
    // An Arguments object or an array: its items are own indexed properties.
    if (own(entry, 0) !== 'consent') return
    const command = own(entry, 1)
    const state = own(own(entry, 2), 'analytics_storage')
    const verdict = state == 'granted' ? true : state == 'denied' ? false : undefined
    if (command == 'update' && verdict !== undefined) updated = verdict
    if (command == 'default') {
      if (own(own(entry, 2), 'region') !== undefined) regional = true
      else if (verdict !== undefined) byDefault = verdict
    }
  }
  const decide = () => apply(updated ?? (byDefault && !regional ? true : undefined))
  try {
    for (const entry of Array.from(list)) read(entry)
    decide()
  } catch {}
  const push = list.push
  const hooked = function (this: unknown, ...entries: unknown[]) {
    const result = push.apply(this, entries)
    try {
      if (!stopped) entries.forEach(read), decide()
    } catch {
      // Never into the page's push.
    }
    return result
  }
  try {
    list.push = hooked
  } catch {}
  return () => {
    stopped = true
    // Unhooked only if nobody wrapped ours since (GTM does): theirs would lose what it wrapped.
    try {
      if (list.push === hooked) list.push = push
    } catch {}
  }
}
