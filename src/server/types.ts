/**
 * Public types of `userflux-snippet/server`. `Profile` follows `getProfile200` of the Integration API's
 * OpenAPI description (a copy in tests/server/fixtures/); tests/server/types.test.ts checks the fields,
 * their types and which are optional against it.
 */

/** What `GET /profile/{userId}` answers (200). The schema marks no field required: each may be absent. */
export interface Profile {
  /** The user's id. */
  id?: string
  /** Anonymous ids linked to the user. */
  anonymousIds?: string[]
  /** Every property sent for the user. */
  properties?: Record<string, unknown>
  /** Properties the platform computes for the user. */
  computedProperties?: Record<string, unknown>
  /** Keys of the segments the user belongs to. */
  segments?: string[]
  /** Location information associated with the user. */
  locationData?: Record<string, unknown>
  /** Device information associated with the user. */
  deviceData?: Record<string, unknown>
  /** When the profile was last updated, epoch milliseconds. */
  lastUpdatedAt?: number
  /** When the profile was first inserted, epoch milliseconds. */
  createdAt?: number
}

/** Options of `getProfile`. */
export interface GetProfileOptions {
  /** The Read + Write API key. Server only: never send it to a browser. */
  readWriteKey: string
  /**
   * Base URL of the Integration API; trailing slashes are ignored.
   * @default 'https://integration-api.userflux.co'
   */
  endpoint?: string
  /**
   * Milliseconds to wait for the whole answer, body included, before rejecting with `code: 'timeout'`.
   * @default 5000
   */
  timeout?: number
  /**
   * The `fetch` to use (tests, instrumented clients).
   * @default globalThis.fetch
   */
  fetch?: typeof fetch
}

/** The visitor-id cookie the proxy sets: `<storagePrefix>-server-anonymousId`. */
export interface CookieOptions {
  /**
   * The client's `storagePrefix`: the cookie is `<storagePrefix>-server-anonymousId`, which the client
   * of that prefix reads.
   * @default 'uf'
   */
  storagePrefix?: string
  /**
   * Lifetime in days, renewed at most once a day while the visitor comes back. Chromium caps cookies
   * at 400 days.
   * @default 400
   */
  maxAgeDays?: number
  /**
   * `Secure` attribute. `'auto'`: when the request came over https, by its URL or by
   * `X-Forwarded-Proto: https` from a TLS-terminating proxy in front.
   * @default 'auto'
   */
  secure?: boolean | 'auto'
}

/** Options of `createProxy`. */
export interface ProxyOptions {
  /**
   * Base URL of the Integration API; trailing slashes are ignored.
   * @default 'https://integration-api.userflux.co'
   */
  endpoint?: string
  /**
   * The Write Only key, held by the server: it replaces whatever `Authorization` a client sent, so the
   * page needs no key (leave `writeKey` out of the script tag). Without it the client's own
   * `Bearer` key is forwarded, and `readWriteKey` must be given so that the proxy can refuse it.
   * @default undefined
   */
  writeKey?: string
  /**
   * The Read + Write key, only so that the proxy recognises and refuses it (403) when a client sends
   * it; it is never forwarded. Needed when `writeKey` is not given.
   * @default undefined
   */
  readWriteKey?: string
  /**
   * Where the handler is mounted: it answers `POST <path>/profile`, the client's `endpoint` being
   * `<path>` (e.g. `data-endpoint="/uf"`). Every other path gets 404.
   * @default '/uf'
   */
  path?: string
  /**
   * Largest request body, in bytes, counted as it streams in (a `Content-Length` is not trusted).
   * The client never sends more than 64 KiB.
   * @default 65536
   */
  maxBodyBytes?: number
  /**
   * Milliseconds to wait for the Integration API before answering 504 (the client retries it).
   * @default 10000
   */
  timeout?: number
  /**
   * The visitor's IP address, passed on as `X-Forwarded-For` for `locationEnrichment`. By default:
   * the socket's address from `toNodeHandler`, else the first `X-Forwarded-For` entry, else
   * `X-Real-IP` (what Vercel, Netlify and most platforms set). Behind your own reverse proxy, read the
   * header it sets, e.g. `(request) => request.headers.get('x-real-ip')`. `null`: none is passed on.
   * @default (see above)
   */
  clientAddress?: (request: Request) => string | null | undefined
  /**
   * The visitor-id cookie (`<storagePrefix>-server-anonymousId`), or `false` for none.
   * @default { storagePrefix: 'uf', maxAgeDays: 400, secure: 'auto' }
   */
  cookie?: CookieOptions | false
  /**
   * The `fetch` used to reach the Integration API.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch
}

/** A Fetch API handler: what Next.js route handlers, edge runtimes and `toNodeHandler` take. */
export type ProxyHandler = (request: Request) => Promise<Response>
