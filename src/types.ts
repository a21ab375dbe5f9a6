import type { UserFluxError } from './core/errors.js'

/** A JSON value as the Integration API stores it. */
export type JsonValue = string | number | boolean | null | Date | readonly JsonValue[] | { [key: string]: JsonValue | undefined }

/**
 * Profile properties: a plain object of JSON values. `Date` values are sent as ISO strings,
 * `undefined` values are dropped and `null` clears a value. Narrow it with the client's generic:
 * `createClient<MyProps>(…)`.
 */
export type Properties = { [key: string]: JsonValue | undefined }

/**
 * `V` where it is a JSON value, `never` at every place it is not (a function, symbol, bigint, `Map`,
 * `Set`…), so that a mistake is shown where it is. Unlike `JsonValue`, it accepts what real data
 * looks like: `interface` values (which have no index signature), and `unknown` (a form's or an API's
 * `Record<string, unknown>`), which the client checks when it is called.
 */
export type Json<V> = unknown extends V
  ? V
  : V extends JsonValue | undefined
    ? V
    : V extends Function | symbol | bigint | ReadonlyMap<unknown, unknown> | ReadonlySet<unknown> | WeakMap<object, unknown> | WeakSet<object> | RegExp | PromiseLike<unknown>
      ? never
      : V extends object
        ? { [K in keyof V]: Json<V[K]> }
        : never

/** Any object type (an interface too) whose values are JSON values: what the generic accepts. */
export type Shape<P> = { [K in keyof P]: Json<P[K]> }

/** The properties argument of a client: any JSON object for the default client, else `P`'s keys, each also `null` to clear it. */
export type PropertiesOf<P, T> = string extends keyof P
  ? T extends readonly unknown[]
    ? never
    : Json<T>
  : { [K in keyof P]?: P[K] | null | undefined } & { [K in Exclude<keyof T, keyof P>]: never }

/**
 * What `identify`, `setUser` and `updateProfile` take. A typed client (`createClient<Profile>`) takes
 * `Profile`'s keys, each optional, `null` to clear and `undefined` to leave out, with no type
 * parameter to infer: `cond ? { plan } : {}` is then one argument type, not two that disagree.
 */
export type Update<P, T> = string extends keyof P ? T & PropertiesOf<P, T> : { [K in keyof P]?: P[K] | null | undefined }

/**
 * The visitor's consent (SPEC §11): `granted` (stored and sent), `denied` (opted out: nothing stored or
 * sent) or `pending` (not asked yet, or no answer: calls kept in memory only, delivered on `optIn()`).
 */
export type ConsentState = 'granted' | 'denied' | 'pending'

/**
 * Options without a `writeKey`: for an `endpoint` that is a path of the page's own origin (`'/uf'`),
 * whose proxy (`userflux-snippet/server`) holds the Write Only key (SPEC §12).
 */
export type ProxiedOptions = Omit<Options, 'writeKey'> & { writeKey?: undefined; endpoint: `/${string}` }

/** A `Storage`-like object: `localStorage`, `sessionStorage` or one of your own. */
export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>

export interface Options {
  /**
   * The Write Only API key of your UserFlux project. Never the Read + Write key. Missing or empty (a
   * `.env` variable not set): an inert client, said once, never a throw.
   * @default undefined
   */
  writeKey?: string | undefined
  /**
   * Base URL of the Integration API, e.g. a first-party proxy (a path of the page's own origin, such as
   * `/uf`, works too). Trailing slashes are ignored.
   * @default 'https://integration-api.userflux.co'
   */
  endpoint?: string | undefined
  /**
   * Ask UserFlux to fill `locationData` from the request. Override per call with a last
   * `{ locationEnrichment }` argument.
   * @default false
   */
  locationEnrichment?: boolean | undefined
  /**
   * Milliseconds an update waits so that updates made close together go out as one request.
   * @default 1000
   */
  flushInterval?: number | undefined
  /**
   * Where identity and pending updates are kept: `'localStorage'`, `'memory'`, or a `Storage`-like
   * object. Falls back to memory by itself when storage is unusable.
   * @default 'localStorage'
   */
  storage?: 'localStorage' | 'memory' | StorageLike | undefined
  /**
   * Prefix of the storage keys (`<prefix>-anonymousId`, `<prefix>-userId`, …). `'uf'` shares the
   * visitor's identity with UserFlux's own browser SDK. Give each extra client on a page its own.
   * @default 'uf'
   */
  storagePrefix?: string | undefined
  /**
   * Called with a {@link UserFluxError} for every rejected call, dropped update, storage problem and
   * authentication failure.
   * @default undefined
   */
  onError?: ((error: UserFluxError) => void) | undefined
  /**
   * Log what is queued, coalesced, sent, retried and dropped to the console.
   * @default false
   */
  debug?: boolean | undefined
  /**
   * Most updates kept waiting (persisted) for delivery; past it the oldest is dropped and reported.
   * @default 100
   */
  maxQueueSize?: number | undefined
  /**
   * First retry delay in milliseconds; it doubles (with jitter) after each failure.
   * @default 1000
   */
  minRetryDelay?: number | undefined
  /**
   * Longest retry delay in milliseconds for backoff. A server's `Retry-After` is honoured up to an hour.
   * @default 60000
   */
  maxRetryDelay?: number | undefined
  /**
   * Start opted out: nothing is sent or stored until `optIn()`. The same as `consent: 'denied'`, and
   * wins over `consent` (the most restrictive reading).
   * @default false
   */
  optedOut?: boolean | undefined
  /**
   * The consent state until the visitor chooses; a stored choice (`optIn()` / `optOut()`, here or in
   * another tab, on an earlier visit too) wins over it. `'pending'`: calls are kept in memory only,
   * nothing stored or sent, delivered by `optIn()`, discarded by `optOut()`.
   * @default 'granted' ('denied' with `optedOut: true` or a respected Global Privacy Control)
   */
  consent?: ConsentState
  /**
   * Treat a browser's Global Privacy Control signal (`navigator.globalPrivacyControl`) as denied
   * consent (until the visitor's own `optIn()`).
   * @default false
   */
  respectGlobalPrivacyControl?: boolean | undefined
  /**
   * The `fetch` used for requests (tests, or a wrapped fetch).
   * @default globalThis.fetch
   */
  fetch?: typeof fetch | undefined
  /**
   * Send a top-level `deviceData` object (browser, OS, device type, screen and window sizes,
   * language: the fields and vocabulary of UserFlux's own SDK) with the first request of each page
   * view and the first after an identity change.
   * @default true
   */
  deviceData?: boolean | undefined
  /**
   * For crawlers' user agents (Googlebot, bingbot, GPTBot, …) do nothing: nothing stored or sent,
   * methods callable and silent. HeadlessChrome is not treated as a crawler.
   * @default true
   */
  blockBots?: boolean | undefined
  /**
   * Mirror `anonymousId`, `userId`, the opt-out choice and the first-touch flag into first-party
   * cookies, so sibling subdomains (`www.` and `app.`) share one visitor. `true` finds the registrable
   * domain by itself; a string names it. The cookie wins over storage when they differ.
   * @default false
   */
  cookieDomain?: boolean | string | undefined
  /**
   * Lifetime of those cookies in days, renewed on every write.
   * @default 365
   */
  cookieExpiryDays?: number | undefined
  /**
   * Use this anonymous id (handed over by a server or a native app's web view) instead of the stored
   * or a new one, and persist it. An invalid one is reported and ignored.
   * @default undefined
   */
  anonymousId?: string | undefined
  /**
   * On a visitor's first page view, set first-touch properties once: `initial_referrer`,
   * `initial_referring_domain`, `initial_landing_page`, `initial_utm_*`, `initial_gclid`, `initial_fbclid`.
   * @default false
   */
  attribution?: boolean | undefined
  /**
   * Milliseconds during which a value this browser delivered is not sent again when set again (a page
   * calling `identify(user, props)` on every load sends it once); after it, it is, so that a profile
   * changed elsewhere heals. `0` sends every value.
   * @default 86400000 (a day)
   */
  resendAfter?: number | undefined
}

/** A last argument of `identify` / `updateProfile` that overrides options for that call. */
export interface CallOptions {
  /** @default the client's `locationEnrichment` */
  locationEnrichment?: boolean | undefined
}

/** What `flush()` resolves with. It never rejects. */
export type FlushResult =
  | { ok: true }
  /**
   * A send failed: the update is kept and a retry is scheduled (`retryAt`, epoch ms: calling `flush()`
   * again before then answers at once, so wait until it), or sending is paused.
   */
  | { ok: false; error: UserFluxError; retryAt?: number }

/** What `subscribe()` listeners are told: the visitor's identity and choice, after each change. */
export interface IdentityState {
  readonly anonymousId: string
  readonly userId: string | null
  /** True only when consent is denied. */
  readonly optedOut: boolean
  readonly consent: ConsentState
}

export interface UserFluxClient<P extends Shape<P> = Properties> {
  /**
   * Say who is signed in (`null`: nobody), on every render or route change if you like: the same
   * user again sends only the properties whose values changed; `null` while anonymous does nothing;
   * `null` after a user is `reset()`; another user is `reset()` then `identify()`.
   */
  setUser<T extends object = {}>(userId: string | null | undefined, properties?: Update<P, T> | undefined, options?: CallOptions): void
  /**
   * Calls `listener` after each change of the identity or the opt-out choice, made in this tab or
   * another one; not at once (read the getters for the current state). Returns the unsubscribe.
   */
  subscribe(listener: (state: IdentityState) => void): () => void
  /**
   * Stops this client: listeners, timers and locks released, later calls ignored. What is queued
   * stays stored, for the next client (`import.meta.hot.dispose`, tests).
   */
  destroy(): void
  /** Link this browser to a signed-in user and optionally set properties. Call it on log-in. */
  identify<T extends object = {}>(userId: string, properties?: Update<P, T> | undefined, options?: CallOptions): void
  /** Merge properties into the current profile, anonymous or identified. `null` clears a value. */
  updateProfile<T extends object>(properties: Update<P, T>, options?: CallOptions): void
  /** Forget the user: queued updates go out under the old identity, then a new anonymous id starts. */
  reset(): void
  /** Send what is queued now. Resolves when it was accepted, or when a send failed (see the result). */
  flush(): Promise<FlushResult>
  /** Consent denied: stop sending and storing anything but the choice; pending updates are discarded. */
  optOut(): void
  /** Consent granted: undoes `optOut()`; while pending, stores and delivers what was kept in memory. */
  optIn(): void
  /** True only when consent is denied. */
  readonly hasOptedOut: boolean
  readonly consent: ConsentState
  readonly anonymousId: string
  readonly userId: string | null
}
