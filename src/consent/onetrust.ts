import { follow, type ConsentTarget, type Dispose } from './follow.js'

export interface OneTrustOptions {
  /**
   * The OneTrust category (group id) that must be active.
   * @default 'C0002' (OneTrust's performance / analytics cookies)
   */
  category?: string
}

/**
 * Follows OneTrust: granted while `category` is among the active groups (`OnetrustActiveGroups`, a
 * string like `,C0001,C0002,`), denied while it is not. OneTrust sets the groups and fires
 * `OneTrustGroupsUpdated` on window when it loads and after each change, whether or not it shows a
 * banner, so a site without one works the same (nothing waits for a banner to close). Before
 * OneTrust has loaded (no groups yet) the client stays as it is. Returns the function that stops.
 */
export function oneTrust(client: ConsentTarget, { category = 'C0002' }: OneTrustOptions = {}): Dispose {
  const apply = follow(client)
  // An empty name would match the empty ends of ",C0001,": never granted by mistake.
  const wanted = typeof category == 'string' && /^[^,\s]+$/.test(category) ? category : 'C0002'
  const read = (groups: unknown) => {
    // The event's detail is the array of active groups; the global is the same as a string.
    if (Array.isArray(groups)) apply(groups.includes(wanted))
    else if (typeof groups == 'string') apply(groups.split(',').includes(wanted))
  }
  const global = () => (globalThis as { OnetrustActiveGroups?: unknown }).OnetrustActiveGroups
  const listener = (event: Event) => {
    try {
      const detail = (event as CustomEvent).detail
      read(Array.isArray(detail) ? detail : global())
    } catch {}
  }
  try {
    read(global())
    addEventListener('OneTrustGroupsUpdated', listener)
  } catch {}
  return () => {
    try {
      removeEventListener('OneTrustGroupsUpdated', listener)
    } catch {}
  }
}
