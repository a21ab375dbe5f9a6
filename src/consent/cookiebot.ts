import { follow, own, type ConsentTarget, type Dispose } from './follow.js'

export interface CookiebotOptions {
  /**
   * The Cookiebot category that must have consent (`Cookiebot.consent[category]`).
   * @default 'statistics'
   */
  category?: 'statistics' | 'marketing' | 'preferences'
}

/** Cookiebot's events on window: consent known (from its cookie or the visitor), accepted, declined. */
const EVENTS = ['CookiebotOnConsentReady', 'CookiebotOnLoad', 'CookiebotOnAccept', 'CookiebotOnDecline']

/**
 * Follows Cookiebot: granted when `Cookiebot.consent[category]` is true (consent given, or implied
 * where Cookiebot implies it), denied when it is false and the visitor has answered
 * (`Cookiebot.hasResponse`); before an answer the client stays as it is. Read at once when Cookiebot
 * is there, and again on each of its events. Returns the function that stops.
 */
export function cookiebot(client: ConsentTarget, { category = 'statistics' }: CookiebotOptions = {}): Dispose {
  const apply = follow(client)
  const wanted = ['statistics', 'marketing', 'preferences'].includes(category) ? category : 'statistics'
  const read = () => {
    try {
      const bot = (globalThis as { Cookiebot?: unknown }).Cookiebot
      const given = own(own(bot, 'consent'), wanted)
      apply(given === true ? true : given === false && own(bot, 'hasResponse') === true ? false : undefined)
    } catch {}
  }
  read()
  // No window (server rendering): nothing to follow.
  const each = (method: 'addEventListener' | 'removeEventListener') => {
    try {
      for (const name of EVENTS) globalThis[method](name, read)
    } catch {}
  }
  each('addEventListener')
  return () => each('removeEventListener')
}
