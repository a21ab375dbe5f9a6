import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * Runs each engine file (tests/engines) beside an e2e file rather than after them all. The suite runs
 * two files at a time and the 2-core CI machine is CPU-bound: two Chromium-driven e2e files at once
 * take about as long as one after the other. An engine file spends half its time waiting on
 * WebDriver round trips, so pairing it with an e2e file fills the idle core. Hence: engine files
 * first, each followed by the next e2e file in vitest's own order (longest first once it has
 * timings, largest file first on a fresh clone), then the rest (e2e, then api and unit, which are
 * quick).
 */
const RANK: Record<string, number> = { e2e: 0, api: 1, unit: 2 }

export default class EnginesBesideE2e extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const engines = sorted.filter((file) => file.project.name == 'engines')
    const others = sorted
      .filter((file) => file.project.name != 'engines')
      .sort((a, b) => (RANK[a.project.name] ?? 3) - (RANK[b.project.name] ?? 3)) // stable: keeps the base order within a project
    const order: TestSpecification[] = []
    while (engines.length) order.push(engines.shift()!, ...others.splice(0, 1))
    return [...order, ...others]
  }
}
