// `npm run bench`: what the snippet costs the page that hosts it, measured in real Chromium.
// Cold (what a visitor meets): the first client of a fresh page, a new browser context per sample,
// on the workloads of bench/lib/workloads.mjs, each against JSON.stringify of the same data in the
// same page, against a local sink. Warm: one page's client over and over (bench/warm.mjs), against
// the local Integration API. Plus bundle sizes. Prints tables; writes bench/results/latest.{json,md}.
//   BENCH_SAMPLES=N (default 3): samples per workload, medians reported.
//   --build <path> (repeatable) or BENCH_BUILD=<path>[,<path>]: measure other script tag builds
//   instead of dist/userflux.min.js (e.g. an older release's and today's), interleaved in one run so
//   that a busy moment of the machine hits them alike.
//   BENCH_WARM=0: skip the warm figures.
// Absolute times vary with the machine (the load average is printed); the ratios to JSON.stringify
// in the same page hold better.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { relative, resolve } from 'node:path'
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
const given = [...process.argv.slice(2).flatMap((arg, i, all) => (all[i - 1] == '--build' ? [arg] : [])), ...(process.env.BENCH_BUILD?.split(',').filter(Boolean) ?? [])]
const custom = given.length > 0
const paths = custom ? given.map((path) => resolve(path)) : [root + 'dist/userflux.min.js']
const samples = Number(process.env.BENCH_SAMPLES || 3)

const sdks = await Promise.all(paths.map(async (path, i) => ({ ...ours(await readFile(path, 'utf8'), `build${i}`), path: path.startsWith(root) ? relative(root, path) : path })))
const browser = await launchChromium()
const sink = await createSink()
const site = await createSite(Object.fromEntries(sdks.map((sdk) => [sdk.name, sdk.script])))
const results = { date: new Date().toISOString(), chromium: browser.version(), samples, loadBefore: loadavg()[0], builds: {} }
try {
  // The tree's own builds and features; for other builds, only their files.
  results.sizes = custom ? Object.fromEntries(sdks.map((sdk) => [sdk.path, measure(sdk.script)])) : await sizes()
  if (!custom) results.features = await featureCosts()
  const cold = await coldRuns(browser, site, sink, sdks, { samples, log: (line) => process.stderr.write(line + '\n') })
  for (const sdk of sdks) {
    results.builds[sdk.path] = { cold: cold[sdk.name] }
    if (process.env.BENCH_WARM != '0') results.builds[sdk.path].warm = await warmRuns(browser, sdk.script)
  }
  results.loadAfter = loadavg()[0]
} finally {
  await browser.close()
  await site.close()
  await sink.close()
}

const warmTables = (warm) =>
  Object.entries(warm).map(([section, table]) => {
    const entries = Object.entries(table)
    const rows = typeof entries[0][1] == 'object' ? [['', ...Object.keys(entries[0][1])], ...entries.map(([name, row]) => [name, ...Object.values(row).map(String)])] : [['', 'value'], ...entries.map(([name, value]) => [name, String(value)])]
    return `### Warm: ${section}\n\n${markdownTable(rows)}`
  })
const sections = [`# npm run bench, ${results.date.slice(0, 16).replace('T', ' ')} UTC\n\nChromium ${results.chromium}, medians of ${samples} fresh pages per row; load average ${results.loadBefore.toFixed(1)} before, ${results.loadAfter.toFixed(1)} after`]
for (const [path, build] of Object.entries(results.builds)) {
  sections.push(`## ${path}\n\n### Cold: the first client of a fresh page\n\n${coldTable(build.cold)}`, ...(build.warm ? warmTables(build.warm) : []))
  for (const [workload, r] of Object.entries(build.cold)) if (r.errors.length) sections.push(`${path}, ${workload}: ${r.errors.join('; ')}`)
}
sections.push(`## Bundle size (B)\n\n${markdownTable([['bundle', 'min', 'gzip', 'brotli'], ...Object.entries(results.sizes).map(([name, s]) => [name, s.min, s.gzip, s.brotli].map(String))])}`)
if (results.features) sections.push(`## What each SPEC §8 feature adds to the script tag (B)\n\n${markdownTable([['feature', 'gzip', 'brotli'], ...Object.entries(results.features).map(([name, f]) => [name, String(f.gzip), String(f.brotli)])])}`)
const markdown = sections.join('\n\n') + '\n'
console.log(markdown)
await mkdir(root + 'bench/results', { recursive: true })
await writeFile(root + 'bench/results/latest.json', JSON.stringify(results, null, 2) + '\n')
await writeFile(root + 'bench/results/latest.md', markdown)
console.log('written to bench/results/latest.json and latest.md')
if (!custom) {
  const budget = checkBudget(results.sizes)
  console.log(`${budget.ok ? 'size budget ok' : 'SIZE BUDGET EXCEEDED'}: ${budget.message}`)
  if (!budget.ok) process.exitCode = 1
}
