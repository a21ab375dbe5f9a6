import type { UserFluxClient } from '../types.js'

/** What an adapter needs of a client: a `createClient` client or the script tag's `window.userflux`. */
export type ConsentTarget = Pick<UserFluxClient<any>, 'optIn' | 'optOut' | 'consent'>

/** Stops following the tool: its listeners and hooks are removed; the client keeps its state. */
export type Dispose = () => void

/**
 * A tool's reading: `true` granted, `false` denied (a withdrawal too), `undefined` no answer yet
 * (the client stays as it is: `pending` keeps its calls in memory until the tool answers).
 */
export type Verdict = boolean | undefined

/**
 * `object[key]` only when it is the object's own property: tools' objects come from other scripts,
 * and a key read through a prototype (another script's `Object.prototype.statistics = true`) must
 * never grant. Anything unreadable (a throwing getter, a revoked proxy) reads as absent.
 */
export function own(object: unknown, key: PropertyKey): unknown {
  try {
    return object != null && typeof object == 'object' && Object.prototype.hasOwnProperty.call(object, key) ? (object as Record<PropertyKey, unknown>)[key] : undefined
  } catch {
    return undefined
  }
}

/**
 * Moves `client` to what the tool says, each time it says it: a grant delivers what was pending, a
 * withdrawal opts out at once. Only on a change, so a tool repeating itself writes nothing.
 */
export function follow(client: ConsentTarget): (verdict: Verdict) => void {
  // A grant lifts only what is pending, or a denial this tool made: a tool's default or implied
  // reading (Consent Mode's default, TCF outside the GDPR, OneTrust's active groups) must never
  // undo the visitor's own opt-out, `optedOut: true` or Global Privacy Control.
  let deniedByTool = false
  return (verdict) => {
    try {
      if (verdict === true && (client.consent == 'pending' || (client.consent == 'denied' && deniedByTool))) {
        deniedByTool = false
        client.optIn()
      } else if (verdict === false && client.consent != 'denied') {
        deniedByTool = true
        client.optOut()
      }
    } catch {
      // The client never throws; something else passed as one must not break the tool calling us.
    }
  }
}
