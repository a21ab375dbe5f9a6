// `npm run bench`: what the snippet costs the page that hosts it, measured in real Chromium.
// Cold (what a visitor meets): the first client of a fresh page, a new browser context per sample,
// on the workloads of bench/lib/workloads.mjs, each against JSON.stringify of the same data in the
// same page, against a local sink. Warm: one page's client over and over (bench/warm.mjs), against
// the local Integration API. Plus bundle sizes. Prints tables; writes bench/results/latest.{json,md}.
//   BENCH_SAMPLES=N (default 3): samples per workload, medians reported.
//   --build <path> or BENCH_BUILD=<path>: measure another script tag build (e.g. an older release's).
//   BENCH_WARM=0: skip the warm figures.
// Absolute times vary with the machine; the ratios to JSON.stringify in the same run hold better.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { launchChromium } from './lib/chromium.mjs'
import { coldRuns } from './lib/cold.mjs'
import { coldTable } from './lib/cold-table.mjs'
import { ours } from './lib/ours.mjs'
import { markdownTable } from './lib/report.mjs'
import { createSink } from './lib/sink.mjs'
import { createSite } from './lib/site.mjs'
import { featureCosts } from './features.mjs'
import { checkBudget, measure, sizes } from './size.mjs'
import { warmRuns } from './warm.mjs'

const root = new URL('../', import.meta.url).pathname
const flag = process.argv.indexOf('--build')
const custom = (flag > 0 && process.argv[flag + 1]) || process.env.BENCH_BUILD
const build = custom ? resolve(custom) : root + 'dist/userflux.min.js'
const samples = Number(process.env.BENCH_SAMPLES || 3)

const code = await readFile(build, 'utf8')
const browser = await launchChromium()
const sink = await createSink()
const site = await createSite({ userflux: code })
const results = { date: new Date().toISOString(), build, chromium: browser.version(), samples }
try {
  // The tree's own builds and features; for another build, only its file.
  results.sizes = custom ? { [build]: measure(code) } : await sizes()
  if (!custom) results.features = await featureCosts()
  results.cold = (await coldRuns(browser, site, sink, [ours(code)], { samples, log: (line) => process.stderr.write(line + '\n') })).userflux
  if (process.env.BENCH_WARM != '0') results.warm = await warmRuns(browser, code)
} finally {
  await browser.close()
  await site.close()
  await sink.close()
}

const sizeRows = [['bundle', 'min', 'gzip', 'brotli'], ...Object.entries(results.sizes).map(([name, s]) => [name, s.min, s.gzip, s.brotli].map(String))]
const sections = [
  `# npm run bench, ${results.date.slice(0, 10)}\n\n${build.replace(root, '')}, Chromium ${results.chromium}, medians of ${samples} fresh pages per row`,
  `## Cold: the first client of a fresh page\n\n${coldTable(results.cold)}`,
  `## Bundle size (B)\n\n${markdownTable(sizeRows)}`,
]
if (results.features) sections.push(`## What each SPEC §8 feature adds to the script tag (B)\n\n${markdownTable([['feature', 'gzip', 'brotli'], ...Object.entries(results.features).map(([name, f]) => [name, String(f.gzip), String(f.brotli)])])}`)
if (results.warm) {
  for (const [section, table] of Object.entries(results.warm)) {
    const entries = Object.entries(table)
    const rows = typeof entries[0][1] == 'object' ? [['', ...Object.keys(entries[0][1])], ...entries.map(([name, row]) => [name, ...Object.values(row).map(String)])] : [['', 'value'], ...entries.map(([name, value]) => [name, String(value)])]
    sections.push(`## Warm: ${section}\n\n${markdownTable(rows)}`)
  }
}
const markdown = sections.join('\n\n') + '\n'
console.log(markdown)
for (const [workload, r] of Object.entries(results.cold)) if (r.errors.length) console.log(`page errors in ${workload}: ${r.errors.join('; ')}`)
await mkdir(root + 'bench/results', { recursive: true })
await writeFile(root + 'bench/results/latest.json', JSON.stringify(results, null, 2) + '\n')
await writeFile(root + 'bench/results/latest.md', markdown)
console.log('written to bench/results/latest.json and latest.md')
if (!custom) {
  const budget = checkBudget(results.sizes)
  console.log(`${budget.ok ? 'size budget ok' : 'SIZE BUDGET EXCEEDED'}: ${budget.message}`)
  if (!budget.ok) process.exitCode = 1
}
