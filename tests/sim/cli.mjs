#!/usr/bin/env node
import fc from 'fast-check'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { INVARIANTS } from './invariants.mjs'
import { runCase } from './run-case.mjs'
import { caseArbitrary, describeStep } from './steps.mjs'

/**
 * npm run sim -- --build <bundle> --runs <n> [--seed <s>] [--path <p>] [--no-locks | --both]
 *               [--invariants 1,2,3] [--steps <max>] [--replay '<json of steps>' --case-seed <n>]
 * Exits 1 and prints the shrunk case, with the command that replays it, when an invariant breaks.
 */
const { values: args } = parseArgs({
  options: {
    build: { type: 'string', default: 'dist/userflux.min.js' },
    runs: { type: 'string', default: '100' },
    seed: { type: 'string' },
    path: { type: 'string' },
    'no-locks': { type: 'boolean', default: false },
    both: { type: 'boolean', default: false },
    invariants: { type: 'string', default: INVARIANTS.join(',') },
    steps: { type: 'string', default: '30' },
    gap: { type: 'string', default: '0' },
    replay: { type: 'string' },
    'case-seed': { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
})

const bundle = resolve(args.build)
if (!existsSync(bundle)) {
  console.error(`no bundle at ${bundle} (npm run build makes dist/userflux.min.js)`)
  process.exit(2)
}
const invariants = args.invariants.split(',').map(Number)
const environments = args.both ? [true, false] : [!args['no-locks']]
const envName = (withLocks) => (withLocks ? 'with Web Locks' : 'without Web Locks')
const flags = (withLocks) => `--build ${args.build}${withLocks ? '' : ' --no-locks'}${args.invariants != INVARIANTS.join(',') ? ` --invariants ${args.invariants}` : ''}${args.gap != '0' ? ` --gap ${args.gap}` : ''}`

const printCase = (steps, seed, violations) => {
  console.log(`  case seed ${seed}, ${steps.length} steps (one tab is open at the start):`)
  steps.forEach((step, index) => console.log(`    ${String(index + 1).padStart(2)}. ${describeStep(step)}`))
  console.log('  then: network healthy, cached pages restored, 3 min; idle 2 min; all tabs closed, one fresh tab 15 min')
  for (const v of violations) console.log(`  ✗ invariant ${v.invariant} at ${v.at} ms: ${v.message}`)
}

let failed = false
if (args.replay) {
  const steps = JSON.parse(args.replay)
  const seed = Number(args['case-seed'] ?? 1)
  for (const withLocks of environments) {
    const { violations, world } = await runCase({ bundle, withLocks, seed, steps, invariants, gap: Number(args.gap) })
    console.log(`replay ${envName(withLocks)}:`)
    printCase(steps, seed, violations)
    if (args.verbose) {
      for (const r of world.network.requests) console.log(`    request ${r.id} tab ${r.tab.id} at ${r.at}${r.keepalive ? ' keepalive' : ''} → ${r.state}: ${r.body.replace(/,"deviceData":\{[^}]*\}/, '')}`)
      for (const tab of world.tabs) for (const log of tab.logs) console.log(`    tab ${tab.id} console.${log.level} at ${log.at}: ${log.text}`)
    }
    failed ||= violations.length > 0
  }
  process.exit(failed ? 1 : 0)
}

for (const withLocks of environments) {
  const started = Date.now()
  let cases = 0
  let last
  const property = fc.asyncProperty(caseArbitrary(Number(args.steps)), async ({ seed, steps }) => {
    cases++
    const { violations } = await runCase({ bundle, withLocks, seed, steps, invariants, gap: Number(args.gap) })
    last = { seed, steps, violations }
    if (violations.length) throw new Error(violations.map((v) => `invariant ${v.invariant}: ${v.message}`).join('\n'))
  })
  const details = await fc.check(property, {
    numRuns: Number(args.runs),
    ...(args.seed !== undefined && { seed: Number(args.seed) }),
    ...(args.path !== undefined && { path: args.path }),
    endOnFailure: false,
  })
  const seconds = (Date.now() - started) / 1000
  if (!details.failed) {
    console.log(`${envName(withLocks)}: ${details.numRuns} cases passed in ${seconds.toFixed(1)} s (${(cases / seconds).toFixed(1)} cases/s, seed ${details.seed})`)
    continue
  }
  failed = true
  const [{ seed, steps }] = details.counterexample
  const { violations } = await runCase({ bundle, withLocks, seed, steps, invariants, gap: Number(args.gap) })
  console.log(`${envName(withLocks)}: FAILED after ${details.numRuns} cases (${details.numShrinks} shrinks, ${cases} cases run in ${seconds.toFixed(1)} s, ${(cases / seconds).toFixed(1)} cases/s)`)
  printCase(steps, seed, violations)
  console.log(`  replay: npm run sim -- ${flags(withLocks)} --seed ${details.seed} --path "${details.counterexamplePath}" --runs 1`)
  console.log(`  or:     npm run sim -- ${flags(withLocks)} --case-seed ${seed} --replay '${JSON.stringify(steps)}' --verbose`)
}
process.exit(failed ? 1 : 0)
