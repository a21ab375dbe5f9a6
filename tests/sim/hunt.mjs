#!/usr/bin/env node
import fc from 'fast-check'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { INVARIANTS } from './invariants.mjs'
import { runCase } from './run-case.mjs'
import { caseArbitrary, describeStep } from './steps.mjs'

/**
 * Looks for distinct failures: runs the property from many seeds, shrinks each failure and groups
 * the shrunk cases by what broke (invariant and message with ids and numbers blanked), printing each
 * group once with the command that replays it. For finding what to fix; `cli.mjs` is the check.
 *   node tests/sim/hunt.mjs --build <bundle> --seeds 20 --runs 200 [--no-locks] [--invariants 1,2] [--leave-out forgetIds,storageFull]
 */
const { values: args } = parseArgs({
  options: {
    build: { type: 'string', default: 'dist/userflux.min.js' },
    seeds: { type: 'string', default: '20' },
    from: { type: 'string', default: '1' },
    runs: { type: 'string', default: '200' },
    'no-locks': { type: 'boolean', default: false },
    invariants: { type: 'string', default: INVARIANTS.join(',') },
    steps: { type: 'string', default: '30' },
    gap: { type: 'string', default: '0' },
    'leave-out': { type: 'string', default: '' },
  },
})
const bundle = resolve(args.build)
const withLocks = !args['no-locks']
const invariants = args.invariants.split(',').map(Number)
const flags = `--build ${args.build}${withLocks ? '' : ' --no-locks'}${args.invariants != INVARIANTS.join(',') ? ` --invariants ${args.invariants}` : ''}${args.gap != '0' ? ` --gap ${args.gap}` : ''}${args['leave-out'] ? ` --leave-out ${args['leave-out']}` : ''}`
// What broke, and with which kinds of steps: the same invariant broken by different step mixes is
// usually a different cause (messages alone lump every lost value together).
const signature = (v, steps) =>
  `invariant ${v.invariant} with ${[...new Set(steps.map((step) => step.do + (step.memory ? '(memory)' : step.sandboxed ? '(sandboxed)' : '')))].sort().join(', ')}`
const seen = new Map()
const started = Date.now()
let total = 0
for (let seed = Number(args.from); seed < Number(args.from) + Number(args.seeds); seed++) {
  let cases = 0
  const property = fc.asyncProperty(caseArbitrary(Number(args.steps), args['leave-out'].split(',').filter(Boolean)), async (input) => {
    cases++
    const { violations } = await runCase({ bundle, withLocks, seed: input.seed, steps: input.steps, invariants, gap: Number(args.gap) })
    if (violations.length) throw new Error('broken')
  })
  const t0 = Date.now()
  const details = await fc.check(property, { numRuns: Number(args.runs), seed })
  total += cases
  if (!details.failed) {
    console.log(`seed ${seed}: ${details.numRuns} cases passed`)
    continue
  }
  const [{ seed: caseSeed, steps }] = details.counterexample
  const { violations } = await runCase({ bundle, withLocks, seed: caseSeed, steps, invariants, gap: Number(args.gap) })
  const key = signature(violations[0], steps)
  const note = `seed ${seed}: failed at case ${details.numRuns} (${((Date.now() - t0) / 1000).toFixed(1)} s with shrinking), ${steps.length} steps: ${key}`
  console.log(note)
  if (seen.has(key)) continue
  seen.set(key, true)
  console.log(`  NEW (${withLocks ? 'with' : 'without'} Web Locks), case seed ${caseSeed}:`)
  steps.forEach((step, index) => console.log(`    ${index + 1}. ${describeStep(step)}`))
  for (const v of violations) console.log(`    ✗ ${v.invariant} at ${v.at} ms: ${v.message}`)
  console.log(`    replay: npm run sim -- ${flags} --seed ${seed} --path "${details.counterexamplePath}" --runs 1`)
  console.log(`    or: npm run sim -- ${flags} --case-seed ${caseSeed} --replay '${JSON.stringify(steps)}' --verbose`)
}
console.log(`${total} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; ${seen.size} distinct failures`)
