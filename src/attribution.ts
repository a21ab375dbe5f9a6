import type { SafeStorage } from './storage.js'

const PARAMETERS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'gclid', 'fbclid']

/**
 * First-touch properties, once per visitor (remembered under `key`): where the first page view came
 * from. Undefined on later page views, and while the flag cannot be read or stored. The landing page
 * is without its query, which may carry tokens (password resets, magic links); the campaign
 * parameters are taken from it one by one. Values are capped, as any URL part may be long.
 */
export function firstTouch(storage: SafeStorage, key: string): Record<string, string> | undefined {
  if (storage.get(key) !== null) return
  storage.set(key, '1')
  const cap = (value: string) => value.slice(0, 500)
  const { referrer } = document
  let domain = '$direct'
  try {
    domain = referrer ? new URL(referrer).hostname : domain
  } catch {
    // A referrer that is not a URL: its domain stays unknown.
  }
  const properties: Record<string, string> = {
    initial_referrer: cap(referrer || '$direct'),
    initial_referring_domain: cap(domain),
    initial_landing_page: cap(location.origin + location.pathname),
  }
  const search = new URLSearchParams(location.search)
  for (const name of PARAMETERS) {
    const value = search.get(name)
    if (value) properties['initial_' + name] = cap(value)
  }
  return properties
}
