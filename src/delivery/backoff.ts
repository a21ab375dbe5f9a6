/** A server's `Retry-After` is honoured up to this long, so a mistaken value cannot stall a page for days. */
const MAX_RETRY_AFTER = 3_600_000

/** Milliseconds a `Retry-After` header asks for (delta-seconds or an HTTP date), if it is valid. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value || !value.trim()) return
  const seconds = Number(value)
  const ms = isNaN(seconds) ? Date.parse(value) - now : seconds * 1000
  if (!isNaN(ms)) return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER)
}

/**
 * Delay before retry number `attempt` (1 for the first): exponential from `min`, capped at `max`,
 * with "equal jitter" (half fixed, half random) so that many pages failing at once do not come back
 * in step, yet never retry sooner than half the nominal delay. A server's `Retry-After` can ask for
 * longer, never for shorter: `0`, or a date already past by the client's clock, would otherwise
 * have every page hammer a failing API.
 */
export function retryDelay(attempt: number, min: number, max: number, retryAfter?: string | null): number {
  const nominal = Math.min(max, min * 2 ** (attempt - 1))
  return Math.max(parseRetryAfter(retryAfter) || 0, nominal / 2 + Math.random() * (nominal / 2))
}
