import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { checkBundle } from './property.mjs'

/**
 * The built script tag bundle against every invariant, with and without Web Locks, over generated
 * cases (SPEC §7: part of `npm test` with a bounded number of cases). A fixed seed, so a run is the
 * same run every time; SIM_SEED / SIM_RUNS / SIM_BUILD change it, SIM_GAP=<ms> lets that much virtual time
 * pass before each step (1, the default; 0: actions of two tabs may share an instant). On a loaded machine
 * each check stops after its share of SIM_SECONDS (default 30) rather than time out, saying how many cases ran.
 */
const build = process.env.SIM_BUILD || 'dist/userflux.min.js'
// Relative to the repository's root, or absolute.
const bundle = resolve(fileURLToPath(new URL('../../', import.meta.url)), build)
const runs = Number(process.env.SIM_RUNS || 3000)
const seed = Number(process.env.SIM_SEED || 2025)
const seconds = Number(process.env.SIM_SECONDS || 30)
// Steps 1 ms apart: two tabs' actions within one clock tick have no order to keep (the stamps'
// resolution; ARCHITECTURE.md). SIM_GAP=0 lets them share an instant.
const gap = Number(process.env.SIM_GAP ?? 1)

/**
 * Every invariant over every kind of step but `forgetIds` (page code removing the ids: open case F4e,
 * found-cases.mjs), and without Web Locks but a full storage too, where tabs have no channel left to
 * order their sends (open case S2); and 2, 4, 5, 6 over every kind of step. SIM_INVARIANTS=1,2,3
 * (with every kind of step, both environments) searches for more.
 */
const checks = process.env.SIM_INVARIANTS
  ? [true, false].map((withLocks) => ({ withLocks, invariants: process.env.SIM_INVARIANTS.split(',').map(Number), leaveOut: [], share: 1 }))
  : [
      { withLocks: true, invariants: [1, 2, 3, 4, 5, 6], leaveOut: ['forgetIds'], share: 1 },
      { withLocks: false, invariants: [1, 2, 3, 4, 5, 6], leaveOut: ['forgetIds', 'storageFull'], share: 1 },
      { withLocks: true, invariants: [2, 4, 5, 6], leaveOut: [], share: 0.2 },
      { withLocks: false, invariants: [2, 4, 5, 6], leaveOut: [], share: 0.2 },
    ]

describe(`simulated tabs running ${build}`, () => {
  test('the bundle is built', () => {
    expect(existsSync(bundle), `${build} is missing: npm run build`).toBe(true)
  })
  for (const { withLocks, invariants, leaveOut, share } of checks) {
    const steps = leaveOut.length ? `, every kind of step but ${leaveOut.join(', ')}` : ', every kind of step'
    test(`invariants ${invariants.join(', ')} hold ${withLocks ? 'with' : 'without'} Web Locks${steps}`, async () => {
      // On a loaded machine each check stops after its share of SIM_SECONDS rather than time out, saying how many cases ran.
      const result = await checkBundle({ bundle, build, withLocks, runs: Math.round(runs * share), seed, timeLimit: seconds * share * 1000, gap, invariants, leaveOut })
      console.log(`${result.env}, invariants ${invariants.join(',')}: ${result.cases} cases in ${result.seconds.toFixed(1)} s`)
      expect(result.failed, result.report).toBe(false)
    })
  }
})
