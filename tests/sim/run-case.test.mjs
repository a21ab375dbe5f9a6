import fc from 'fast-check'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { runCase } from './run-case.mjs'
import { caseArbitrary } from './steps.mjs'

const bundle = fileURLToPath(new URL('../fixtures/bundles/userflux-f12cb4f.min.js', import.meta.url))

/** What a run did, as data: every request, every value the API applied, every console line. */
const trace = ({ world, violations }) => ({
  requests: world.network.requests.map((r) => [r.id, r.tab.id, r.at, r.keepalive, r.state, r.body]),
  applied: world.server.applied.map((entry) => [entry.at, entry.requestId]),
  logs: world.tabs.map((tab) => tab.logs),
  violations,
})

describe('a case replays exactly', () => {
  test('the same (seed, steps) twice: the same requests, answers, logs and verdicts, in every environment', async () => {
    const cases = fc.sample(caseArbitrary(20), { numRuns: 6, seed: 99 })
    for (const { seed, steps } of cases) {
      for (const withLocks of [true, false]) {
        const first = trace(await runCase({ bundle, withLocks, seed, steps }))
        const second = trace(await runCase({ bundle, withLocks, seed, steps }))
        expect(second).toEqual(first)
      }
    }
  })
})
