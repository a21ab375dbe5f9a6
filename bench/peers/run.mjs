// `npm run bench:peers`: the cold workloads of `npm run bench`, in one run, on this snippet's script
// tag build and on the SDKs a site would otherwise pick (bench/peers/bundle.mjs), each against the
// same local sink; plus what survives leaving the page at once and five page views' requests.
// Prints the tables and writes bench/results/peers.md (the README's cost section shows it).
//   BENCH_SAMPLES=N (default 1: some peers take a minute and more per sample) fresh pages per
//   workload and SDK; medians reported.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { launchChromium, OFFLINE } from '../lib/chromium.mjs'
import { coldRuns } from '../lib/cold.mjs'
import { fiveViews, leaveSample } from '../lib/leave.mjs'
import { ours } from '../lib/ours.mjs'
import { median } from '../lib/report.mjs'
import { createSink } from '../lib/sink.mjs'
import { createSite } from '../lib/site.mjs'
import { measure } from '../size.mjs'
import { bundlePeer, installedPeers, PEERS, versionOf } from './bundle.mjs'
import { peerTables } from './tables.mjs'

const root = new URL('../../', import.meta.url).pathname
const samples = Number(process.env.BENCH_SAMPLES || 1)
const log = (line) => process.stderr.write(line + '\n')

const sdks = [{ ...ours(await readFile(root + 'dist/userflux.min.js', 'utf8')), label: 'userflux-snippet (script tag)', version: JSON.parse(await readFile(root + 'package.json', 'utf8')).version }]
for (const name of installedPeers()) {
  sdks.push({ name: name.replace(/^@/, '').replace(/\W+/g, '-'), label: name, version: versionOf(name), script: await bundlePeer(name), settleMs: PEERS[name].settleMs })
}
for (const sdk of sdks) sdk.size = measure(sdk.script)

const browser = await launchChromium(OFFLINE)
const sink = await createSink()
const site = await createSite(Object.fromEntries(sdks.map((sdk) => [sdk.name, sdk.script])))
const results = { date: new Date().toISOString(), chromium: browser.version(), samples, loadBefore: loadavg()[0], sdks: {} }
try {
  const cold = await coldRuns(browser, site, sink, sdks, { samples, log })
  for (const sdk of sdks) {
    const leave = {}
    for (const how of ['navigate', 'close']) {
      const runs = []
      for (let i = 0; i < samples; i++) runs.push(await leaveSample(browser, site, sink, sdk, how).catch((error) => (log(`${sdk.name} leave by ${how} failed: ${error.message}`), { atOnce: 0, afterNextView: 0, keys: 20 })))
      leave[how] = { atOnce: Math.min(...runs.map((r) => r.atOnce)), afterNextView: Math.min(...runs.map((r) => r.afterNextView)), keys: runs[0].keys }
      log(`${sdk.name} leave by ${how}: ${JSON.stringify(leave[how])}`)
    }
    const views = await fiveViews(browser, site, sink, sdk).catch((error) => (log(`${sdk.name} five views failed: ${error.message}`), { requests: NaN, carryingProfile: NaN }))
    log(`${sdk.name} five views: ${JSON.stringify(views)}`)
    const workloads = cold[sdk.name]
    results.sdks[sdk.name] = {
      label: sdk.label,
      version: sdk.version,
      size: sdk.size,
      ready: median(Object.values(workloads).map((w) => w.ready)),
      scriptMs: median(Object.values(workloads).map((w) => w.scriptMs)),
      workloads,
      leave,
      views,
    }
  }
  results.loadAfter = loadavg()[0]
} finally {
  await browser.close()
  await site.close()
  await sink.close()
}

const markdown = peerTables(results)
console.log(markdown)
await mkdir(root + 'bench/results', { recursive: true })
await writeFile(root + 'bench/results/peers.json', JSON.stringify(results, null, 2) + '\n')
await writeFile(root + 'bench/results/peers.md', markdown)
console.log('written to bench/results/peers.md and peers.json')
