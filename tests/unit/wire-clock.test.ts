import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { wireLeft } from '../../src/delivery/wire-clock.js'

beforeEach(() => vi.useFakeTimers({ now: 1_764_700_000_000, toFake: ['Date', 'performance'] }))
afterEach(() => vi.useRealTimers())

it("a mark seen before the wall clock jumps a day ahead still holds for its time on this page's clock (found case C3)", () => {
  const mark = Date.now() + 10_000
  expect(wireLeft(mark)).toBe(10_000)
  // The system clock a day ahead: the monotonic clock does not move.
  vi.setSystemTime(Date.now() + 86_400_000)
  expect(wireLeft(mark)).toBe(10_000)
  vi.advanceTimersByTime(4_000)
  expect(wireLeft(mark)).toBe(6_000)
  vi.advanceTimersByTime(6_000)
  expect(wireLeft(mark)).toBeLessThanOrEqual(0)
})

it('a mark first seen after a jump is judged by the wall clock, the only clue there is; one set back looks far ahead', () => {
  const late = Date.now() - 1
  expect(wireLeft(late)).toBeLessThanOrEqual(0)
  const ahead = Date.now() + 3_600_000
  expect(wireLeft(ahead)).toBe(3_600_000)
})
