#!/usr/bin/env node
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { INVARIANTS } from './invariants.mjs'
import { checkBundle } from './property.mjs'
import { runCase } from './run-case.mjs'
import { describeStep } from './steps.mjs'

/**
 * npm run sim -- --build <bundle> --runs <n> [--seed <s>] [--path <p>] [--no-locks | --both]
 *               [--invariants 1,2,3] [--gap <ms>] [--steps <max>] [--leave-out forgetIds,storageFull]
 *               [--replay '<json of steps>' --case-seed <n> [--verbose]]
 * Exits 1 and prints the shrunk case, with the commands that replay it, when an invariant breaks.
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
    'leave-out': { type: 'string', default: '' },
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
const gap = Number(args.gap)
const environments = args.both ? [true, false] : [!args['no-locks']]
let failed = false

if (args.replay) {
  // One given case, with what went over the wire and what each tab printed.
  const steps = JSON.parse(args.replay)
  const seed = Number(args['case-seed'] ?? 1)
  for (const withLocks of environments) {
    const { violations, world } = await runCase({ bundle, withLocks, seed, steps, invariants, gap })
    console.log(`replay ${withLocks ? 'with' : 'without'} Web Locks, case seed ${seed}:`)
    steps.forEach((step, index) => console.log(`  ${String(index + 1).padStart(2)}. ${describeStep(step)}`))
    for (const v of violations) console.log(`  ✗ invariant ${v.invariant} at ${v.at} ms: ${v.message}`)
    if (!violations.length) console.log('  every invariant holds')
    if (args.verbose) {
      for (const r of world.network.requests) console.log(`    request ${r.id} tab ${r.tab.id} at ${r.at}${r.keepalive ? ' keepalive' : ''} → ${r.state}: ${r.body.replace(/,"deviceData":\{[^}]*\}/, '')}`)
      for (const tab of world.tabs) for (const log of tab.logs) console.log(`    tab ${tab.id} console.${log.level} at ${log.at}: ${log.text}`)
    }
    failed ||= violations.length > 0
  }
} else {
  for (const withLocks of environments) {
    const result = await checkBundle({
      bundle,
      build: args.build,
      withLocks,
      runs: Number(args.runs),
      seed: args.seed === undefined ? undefined : Number(args.seed),
      path: args.path,
      invariants,
      gap,
      maxSteps: Number(args.steps),
      leaveOut: args['leave-out'].split(',').filter(Boolean),
    })
    console.log(result.report)
    failed ||= result.failed
  }
}
process.exit(failed ? 1 : 0)
