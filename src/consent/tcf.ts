import { follow, own, type ConsentTarget, type Dispose } from './follow.js'

export interface TcfOptions {
  /**
   * The TCF purposes that must all have consent (`tcData.purpose.consents`). Purpose 1 is "store
   * and/or access information on a device", which the snippet's `localStorage` needs.
   * @default [1]
   */
  purposes?: number[]
  /**
   * How long to wait for a CMP's `__tcfapi` to appear, in milliseconds (CMPs install a stub early,
   * so it is usually there at once).
   * @default 10000
   */
  waitFor?: number
}

type TcfApi = (command: string, version: number, callback: (...args: any[]) => void, parameter?: unknown) => void

/**
 * Follows an IAB TCF v2.2 CMP through `__tcfapi('addEventListener', 2, …)`: granted when GDPR does
 * not apply (`gdprApplies === false`), or once the TC data is loaded or the visitor acted
 * (`eventStatus` `tcloaded` / `useractioncomplete`) with consent for every purpose named; denied
 * otherwise. While the CMP's UI is up (`cmpuishown`) nothing changes. Returns the function that
 * removes the listener (`removeEventListener`).
 */
export function tcf(client: ConsentTarget, { purposes, waitFor = 10_000 }: TcfOptions = {}): Dispose {
  const apply = follow(client)
  // A list without a usable purpose would read as "consent to nothing needed": the default instead.
  // TCF purposes are numbered from 1: an empty or 0 item (data-purposes="1,,7") is a mistake, and
  // would opt every visitor out.
  const wanted = Array.isArray(purposes) && purposes.length && purposes.every((purpose) => Number.isInteger(purpose) && purpose >= 1) ? purposes : [1]
  let listenerId: unknown
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const api = () => {
    const found = (globalThis as { __tcfapi?: unknown }).__tcfapi
    return typeof found == 'function' ? (found as TcfApi) : undefined
  }
  const listener = (tcData: unknown, success: unknown) => {
    try {
      listenerId = own(tcData, 'listenerId') ?? listenerId
      if (stopped || !success) return
      if (own(tcData, 'gdprApplies') === false) return apply(true)
      const status = own(tcData, 'eventStatus')
      if (status != 'tcloaded' && status != 'useractioncomplete') return
      const consents = own(own(tcData, 'purpose'), 'consents')
      apply(wanted.every((purpose) => own(consents, String(purpose)) === true))
    } catch {
      // Never into the CMP's own code.
    }
  }
  const start = (left: number) => {
    const found = api()
    if (found) {
      try {
        found('addEventListener', 2, listener)
      } catch {}
    } else if (left > 0 && !stopped) timer = setTimeout(() => start(left - 200), 200)
  }
  start(waitFor)
  return () => {
    stopped = true
    clearTimeout(timer)
    try {
      if (listenerId !== undefined) api()?.('removeEventListener', 2, () => {}, listenerId)
    } catch {}
  }
}
