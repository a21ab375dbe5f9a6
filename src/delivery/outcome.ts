/**
 * What a status means for the update that was sent (SPEC §5):
 * - `sent`: any 2xx, the API stored it;
 * - `paused`: 401/403, a key problem: kept, and sending stops for this page's life;
 * - `retry`: no answer (0), 408, 429 or 5xx: kept, tried again after a backoff;
 * - `rejected`: any other answer: this update will never be accepted, so it is dropped (the rest can be).
 */
export type Outcome = 'sent' | 'paused' | 'retry' | 'rejected'

export function outcomeOf(status: number): Outcome {
  if (status > 199 && status < 300) return 'sent'
  if (status == 401 || status == 403) return 'paused'
  if (!status || status == 408 || status == 429 || status > 499) return 'retry'
  return 'rejected'
}
