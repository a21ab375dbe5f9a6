import fc from 'fast-check'
import { INVARIANTS } from './invariants.mjs'
import { runCase } from './run-case.mjs'
import { caseArbitrary, describeStep } from './steps.mjs'

/**
 * The property "every invariant holds" over generated cases, for one bundle and one environment.
 * On failure fast-check shrinks the case; the answer carries the shrunk case printed with its
 * violations and the commands that replay it.
 * `timeLimit` (ms) stops early without failing, so a loaded machine runs fewer cases rather than
 * time out; `cases` says how many ran. `leaveOut`: kinds of steps not generated (steps.mjs).
 */
export async function checkBundle({ bundle, build = bundle, withLocks = true, runs = 100, seed, path, invariants = INVARIANTS, gap = 0, maxSteps = 30, leaveOut = [], timeLimit }) {
  const started = Date.now()
  const cpu = process.cpuUsage()
  let cases = 0
  const property = fc.asyncProperty(caseArbitrary(maxSteps, leaveOut), async ({ seed: caseSeed, steps }) => {
    cases++
    const { violations } = await runCase({ bundle, withLocks, seed: caseSeed, steps, invariants, gap })
    if (violations.length) throw new Error(violations.map((v) => `invariant ${v.invariant}: ${v.message}`).join('\n'))
  })
  const details = await fc.check(property, {
    numRuns: runs,
    ...(seed !== undefined && { seed }),
    ...(path !== undefined && { path }),
    ...(timeLimit && { interruptAfterTimeLimit: timeLimit, markInterruptAsFailure: false }),
  })
  const seconds = (Date.now() - started) / 1000
  const { user, system } = process.cpuUsage(cpu)
  // CPU time per case: what a case costs, whatever else the machine is doing.
  const cpuPerCase = (user + system) / 1000 / Math.max(1, cases)
  const env = withLocks ? 'with Web Locks' : 'without Web Locks'
  const summary = { env, cases, seconds, cpuPerCase, seed: details.seed, failed: details.failed, numRuns: details.numRuns }
  const speed = `${(cases / seconds).toFixed(1)} cases/s, ${cpuPerCase.toFixed(1)} ms of CPU a case`
  if (!details.failed) return { ...summary, report: `${env}: ${details.numRuns} cases passed in ${seconds.toFixed(1)} s (${speed}, seed ${details.seed})` }
  const [{ seed: caseSeed, steps }] = details.counterexample
  const { violations } = await runCase({ bundle, withLocks, seed: caseSeed, steps, invariants, gap })
  const flags = `--build ${build}${withLocks ? '' : ' --no-locks'}${invariants.join(',') != INVARIANTS.join(',') ? ` --invariants ${invariants.join(',')}` : ''}${gap ? ` --gap ${gap}` : ''}${leaveOut.length ? ` --leave-out ${leaveOut.join(',')}` : ''}`
  const report = [
    `${env}: FAILED at case ${details.numRuns} (${details.numShrinks} shrinks; ${cases} cases run in ${seconds.toFixed(1)} s, ${speed})`,
    `  case seed ${caseSeed}, ${steps.length} steps (one tab is open at the start):`,
    ...steps.map((step, index) => `    ${String(index + 1).padStart(2)}. ${describeStep(step)}`),
    '  then: network healthy, cached pages restored, 3 min; idle 2 min; all tabs closed, one fresh tab 15 min',
    ...violations.map((v) => `  ✗ invariant ${v.invariant} at ${v.at} ms: ${v.message}`),
    `  replay: npm run sim -- ${flags} --seed ${details.seed} --path "${details.counterexamplePath}" --runs 1`,
    `  or:     npm run sim -- ${flags} --case-seed ${caseSeed} --replay '${JSON.stringify(steps)}' --verbose`,
  ].join('\n')
  return { ...summary, steps, caseSeed, violations, report }
}
