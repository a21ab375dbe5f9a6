import { describe, expect, it } from 'vitest'
import { parseRetryAfter, retryDelay } from '../../src/delivery/backoff.js'

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 10, 26, 12, 0, 0)
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['1.5', 1500],
    [new Date(now + 30_000).toUTCString(), 30_000],
    [new Date(now - 30_000).toUTCString(), 0],
    ['999999', 3_600_000],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j → %j ms', (value, expected) => expect(parseRetryAfter(value, now)).toBe(expected))
})

describe('retryDelay', () => {
  it('grows exponentially with jitter between half and the whole nominal delay, capped', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const nominal = Math.min(60_000, 1000 * 2 ** (attempt - 1))
      for (let i = 0; i < 50; i++) {
        const delay = retryDelay(attempt, 1000, 60_000)
        expect(delay).toBeGreaterThanOrEqual(nominal / 2)
        expect(delay).toBeLessThanOrEqual(nominal)
      }
    }
  })
  it('honours a Retry-After longer than the backoff', () => expect(retryDelay(1, 1000, 60_000, '7')).toBe(7000))
  it.each(['0', new Date(Date.now() - 60_000).toUTCString()])('never retries sooner than the backoff for Retry-After %j (issue 12 case 21)', (value) => {
    for (let i = 0; i < 50; i++) expect(retryDelay(1, 1000, 60_000, value)).toBeGreaterThanOrEqual(500)
  })
})
