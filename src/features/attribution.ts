import type { SafeStorage } from '../browser/storage.js'

const withoutQuery = (address: string) => {
  const url = new URL(address)
  return url.origin + url.pathname
}

/**
 * First-touch properties, once per visitor (remembered under `key`): where the first page view came
 * from. Undefined on later page views, and while the flag cannot be read. The landing page is
 * without its query, which may carry tokens (password resets, magic links); the campaign parameters
 * are taken from it one by one. Values are capped, as any URL part may be long.
 */
export function firstTouch(storage: SafeStorage, key: string): Record<string, string> | undefined {
  if (storage._get(key) !== null) return
  storage._set(key, '1')
  const { referrer } = document
  const search = new URLSearchParams(location.search)
  const properties: Record<string, string> = {
    // Origin and path only, as for the landing page: the referring page's query may carry tokens.
    referrer: referrer ? withoutQuery(referrer) : '$direct',
    // A referrer is a URL or nothing.
    referring_domain: referrer ? new URL(referrer).hostname : '$direct',
    landing_page: location.origin + location.pathname,
  }
  for (const name of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'gclid', 'fbclid']) {
    const value = search.get(name)
    if (value) properties[name] = value
  }
  const initial: Record<string, string> = {}
  for (const name in properties) initial['initial_' + name] = properties[name].slice(0, 500)
  return initial
}
