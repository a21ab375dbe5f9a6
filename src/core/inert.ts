import type { UserFluxError } from './errors.js'
import type { UserFluxClient } from '../types.js'

/**
 * A client that does nothing: every method callable, nothing stored or sent. What `createClient`
 * returns for a setup it cannot work with (no `writeKey`) and for crawlers (`blockBots`), so that a
 * mistake in a site's configuration never takes the page down with it.
 */
export function createInertClient(why: UserFluxError): UserFluxClient<any> {
  const nothing = () => {}
  return {
    identify: nothing,
    setUser: nothing,
    updateProfile: nothing,
    reset: nothing,
    optOut: nothing,
    optIn: nothing,
    // Nothing ever changes here: the unsubscribe has nothing to undo.
    subscribe: () => nothing,
    destroy: nothing,
    // Settles at once, saying why nothing was sent.
    flush: () => Promise.resolve({ ok: false, error: why }),
    hasOptedOut: false,
    // Nobody asked, and nothing is stored or sent whatever the answer.
    consent: 'pending',
    anonymousId: '',
    userId: null,
  }
}
