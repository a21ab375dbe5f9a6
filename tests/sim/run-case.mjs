import { createChecker, INVARIANTS } from './invariants.mjs'
import { runStep } from './steps.mjs'
import { createWorld } from './world.mjs'

/** The options every simulated page's script tag carries (data-* attributes, camelCased as by `dataset`). */
export const DATASET = { writeKey: 'sim-write-key', endpoint: 'https://api.test' }

/** How long "quiet" lasts: the network healthy, every cached page back, before flush() and idleness are judged. */
export const HEALTHY_FOR = 180_000
export const IDLE_WINDOW = 120_000
/** One fresh tab left alone this long at the end: beyond the 10 minutes tabs without Web Locks wait for a silent one. */
export const LAST_TAB_FOR = 900_000

/**
 * Runs one case black-box against `bundle`: one tab opens, the steps run, then all goes quiet and
 * the invariants are judged. Storage events take 0, 1 or 30 ms to reach the other tabs, by seed. `gap` ms pass before each step (0: steps may share a millisecond). Answers the violations found (empty: the case passed).
 */
export async function runCase({ bundle, withLocks = true, seed, steps, invariants = INVARIANTS, dataset = DATASET, storageEventDelay, gap = 0, onStep }) {
  const world = createWorld({ seed, bundle, withLocks, dataset, storageEventDelay: storageEventDelay ?? [0, 1, 30][seed % 3] })
  const checker = createChecker(world, invariants)
  const counter = { value: 0 }
  try {
    await world.open()
    for (const [index, step] of steps.entries()) {
      // `gap`: virtual ms between steps, so that no two actions share a millisecond (0: they may).
      if (gap) await world.wait(gap)
      await runStep(world, checker, step, counter)
      onStep?.(index, step, world)
    }
    // Quiet: a healthy network and storage, every cached page back in front of the user.
    await world.setFault('ok')
    await world.setOnline(true)
    checker.noteFull(false)
    await world.setStorageFull(false)
    for (const tab of world.frozen()) await world.restore(tab)
    await world.wait(HEALTHY_FOR)
    checker.checkFlushes()
    const endIdle = checker.idleWindow()
    await world.wait(IDLE_WINDOW)
    endIdle()
    // Every tab closed by the user, one fresh page left open: what any page left must now be delivered.
    for (const tab of world.live()) await world.close(tab)
    await world.open()
    await world.wait(LAST_TAB_FOR)
    checker.checkFinal()
  } finally {
    world.dispose()
  }
  return { violations: checker.violations, world, checker }
}
