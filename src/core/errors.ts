/**
 * What went wrong, for `onError` to branch on:
 * - `invalid-argument`: a call was rejected before anything was queued;
 * - `rejected`: the API refused an update (4xx) and it was dropped;
 * - `unauthorized`: 401/403, sending is paused for this page, updates are kept;
 * - `retrying`: a send failed (network, 408, 429, 5xx) and will be retried;
 * - `queue-full`: the oldest pending update was dropped to stay within `maxQueueSize`;
 * - `storage`: storage is unusable or held corrupt data; the client works in memory;
 * - `opted-out`: what `flush()` resolves with when an opt-out (in any tab) discarded what was pending;
 * - `consent-pending`: what `flush()` resolves with while consent is pending: nothing is sent until `optIn()`;
 * - `bot`: the user agent is a crawler's (`blockBots`): the client does nothing;
 * - `internal`: a bug of ours, caught before it could reach the page (please report it);
 * - `listener`: a `subscribe()` listener threw (the others were still called);
 * - `destroyed`: what `flush()` resolves with once `destroy()` stopped the client.
 */
export type ErrorCode = 'invalid-argument' | 'rejected' | 'unauthorized' | 'retrying' | 'queue-full' | 'storage' | 'opted-out' | 'consent-pending' | 'bot' | 'internal' | 'listener' | 'destroyed'

export class UserFluxError extends Error {
  override name = 'UserFluxError'

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The HTTP status, when the API answered. */
    readonly status?: number,
  ) {
    super('userflux: ' + message)
  }
}
