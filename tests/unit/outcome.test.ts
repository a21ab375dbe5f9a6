import { describe, expect, it } from 'vitest'
import { outcomeOf, type Outcome } from '../../src/delivery/outcome.js'

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('outcomeOf (SPEC §5)', () => {
  it.each<[string, number[], Outcome]>([
    ['no answer (network error, timeout)', [0], 'retry'],
    ['every 2xx', range(200, 299), 'sent'],
    ['401 and 403: a key problem', [401, 403], 'paused'],
    ['408 and 429', [408, 429], 'retry'],
    ['every 5xx', range(500, 599), 'retry'],
    ['every other 4xx', range(400, 499).filter((status) => ![401, 403, 408, 429].includes(status)), 'rejected'],
    ['1xx and 3xx (never final for fetch, never accepted)', [...range(100, 199), ...range(300, 399)], 'rejected'],
  ])('%s → %s', (_, statuses, outcome) => {
    expect(statuses.length).toBeGreaterThan(0)
    for (const status of statuses) expect([status, outcomeOf(status)]).toEqual([status, outcome])
  })
})
