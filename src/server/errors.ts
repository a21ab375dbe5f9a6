/**
 * What went wrong with a call to the Integration API from the server, as a `code` to branch on:
 * - `invalid-argument`: a bad argument (no userId, no key); nothing was sent
 * - `unauthorized` (401): no key or a malformed one reached the API
 * - `forbidden` (403): the key is unknown, or it is the Write Only key where Read + Write is needed
 * - `rate-limited` (429), `bad-request` (another 4xx)
 * - `server` (5xx), `network` (no answer: DNS, refused, reset), `timeout` (no answer in time)
 * - `bad-response`: an answer that is not what the API documents (a 200 that is not a JSON object)
 */
export type ServerErrorCode =
  | 'invalid-argument'
  | 'unauthorized'
  | 'forbidden'
  | 'rate-limited'
  | 'bad-request'
  | 'server'
  | 'network'
  | 'timeout'
  | 'bad-response'

/** The one error class of `userflux-snippet/server`: the message names the call, the URL and the cause. */
export class UserFluxServerError extends Error {
  override name = 'UserFluxServerError'
  /** The HTTP status when the API answered, else undefined. */
  readonly status: number | undefined

  constructor(
    readonly code: ServerErrorCode,
    message: string,
    options?: { status?: number | undefined; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.status = options?.status
  }
}
