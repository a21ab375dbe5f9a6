import type { UserFluxError } from '../core/errors.js'
import type { IdentityState, UserFluxClient } from '../types.js'

/** What the identity hook shows before the client exists: on the server, and until the provider's effect ran. */
export const NO_IDENTITY: IdentityState = Object.freeze({ anonymousId: '', userId: null, optedOut: false, consent: 'granted' })

export interface Deferred {
  /** Stands in for the client: calls made before it exists are kept, in order, and made on it then. */
  readonly _client: UserFluxClient<any>
  /** The client exists (in the browser, in the provider's effect): what was kept goes to it. Once. */
  _attach(client: UserFluxClient<any>): void
  /** The identity for useSyncExternalStore: the same object until something in it changed. */
  _snapshot(): IdentityState
}

type Method = 'identify' | 'setUser' | 'updateProfile' | 'reset' | 'optOut' | 'optIn' | 'destroy'
const METHODS: Method[] = ['identify', 'setUser', 'updateProfile', 'reset', 'optOut', 'optIn', 'destroy']

const read = (client: UserFluxClient<any>): IdentityState => ({
  anonymousId: client.anonymousId,
  userId: client.userId,
  optedOut: client.hasOptedOut,
  consent: client.consent,
})
const same = (x: IdentityState, y: IdentityState) => x.anonymousId == y.anonymousId && x.userId == y.userId && x.optedOut == y.optedOut && x.consent == y.consent

/**
 * A client-shaped buffer for the React binding. Children's mount effects run before their
 * provider's, and the provider creates the client in its effect (never while rendering, so that a
 * server never makes one): until then every call is kept, never dropped. `orphan`: there is no
 * provider above; calls go nowhere, and the console says why, once.
 */
export function createDeferred(orphan?: UserFluxError): Deferred {
  let real: UserFluxClient<any> | undefined
  let kept: [method: Method | 'flush', args: unknown[], resolve?: (value: any) => void][] = []
  // Subscribed before the client existed: subscribed on it once it does.
  const early = new Map<object, { _listener: (state: IdentityState) => void; _off?: () => void }>()
  let snapshot = NO_IDENTITY
  let warned = false
  const nowhere = () => {
    if (!warned) console.error(orphan!.message)
    warned = true
  }

  const client = {
    subscribe(listener: (state: IdentityState) => void) {
      if (real) return real.subscribe(listener)
      const token = {}
      early.set(token, { _listener: listener })
      return () => {
        early.get(token)?._off?.()
        early.delete(token)
      }
    },
    flush: () => (real ? real.flush() : new Promise((resolve) => (orphan ? (nowhere(), resolve({ ok: false, error: orphan })) : kept.push(['flush', [], resolve])))),
    get anonymousId() {
      return real ? real.anonymousId : ''
    },
    get userId() {
      return real ? real.userId : null
    },
    get hasOptedOut() {
      return real ? real.hasOptedOut : false
    },
    get consent() {
      return real ? real.consent : NO_IDENTITY.consent
    },
  } as UserFluxClient<any>
  for (const method of METHODS) {
    ;(client as any)[method] = (...args: unknown[]) => (real ? (real as any)[method](...args) : orphan ? nowhere() : void kept.push([method, args]))
  }

  return {
    _client: client,
    _attach(next) {
      if (real) return
      real = next
      for (const entry of early.values()) entry._off = next.subscribe(entry._listener)
      const calls = kept
      kept = []
      for (const [method, args, resolve] of calls) {
        const result = (next as any)[method](...args)
        resolve?.(result)
      }
      // From the placeholder to the real identity: told once, whatever the replayed calls changed.
      const state = read(next)
      for (const { _listener: listener } of early.values()) {
        try {
          listener(state)
        } catch (error) {
          console.error(error) // the app's listener: reported as the browser would, the others still told
        }
      }
    },
    _snapshot() {
      if (!real) return NO_IDENTITY
      const next = read(real)
      return same(next, snapshot) ? snapshot : (snapshot = next)
    },
  }
}
