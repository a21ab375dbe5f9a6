// The peer run's tables, in markdown: one per question, an SDK per row.
import { markdownTable, ms, ratio } from '../lib/report.mjs'
import { WORKLOADS } from '../lib/workloads.mjs'

const kb = (bytes) => (bytes / 1024).toFixed(1)

export function peerTables(results) {
  const sdks = Object.values(results.sdks)
  const names = Object.keys(Object.values(results.sdks)[0]?.workloads ?? {})
  const head = (first) => [first, ...names.map((name) => WORKLOADS[name].label)]
  const perWorkload = (cell) =>
    sdks.map((sdk) => [`${sdk.label} ${sdk.version}`, ...names.map((name) => (!sdk.workloads[name] ? '—' : sdk.workloads[name].failed ? 'failed' : sdk.workloads[name].aborted ? `stopped after ${ms(sdk.workloads[name].task / 1000)} s` : cell(sdk.workloads[name])))])
  const leave = (l) => `${l.atOnce}/${l.keys} (${l.afterNextView}/${l.keys} after the next view)`
  return [
    `# npm run bench:peers, ${results.date.slice(0, 10)}`,
    `Headless Chromium ${results.chromium}; every SDK on a fresh page (a new browser context per sample), against a local sink on 127.0.0.1; medians of ${results.samples} samples; "delivered" is the worst sample's; load average ${results.loadBefore?.toFixed(1)} before, ${results.loadAfter?.toFixed(1)} after (2 cores).`,
    `## Size and start`,
    markdownTable([
      ['SDK', 'min (B)', 'gzip (B)', 'brotli (B)', 'script start to ready (ms)', 'script time to ready (ms)', 'requests for five page views with the same identify', 'left right after identify: by navigating', 'by closing the tab'],
      ...sdks.map((sdk) => [`${sdk.label} ${sdk.version}`, String(sdk.size.min), String(sdk.size.gzip), String(sdk.size.brotli), ms(sdk.ready), ms(sdk.scriptMs), `${sdk.views.requests} (${sdk.views.carryingProfile} with the profile)`, leave(sdk.leave.navigate), leave(sdk.leave.close)]),
    ]),
    `## Main thread of the calls' task (ms), and its ratio to JSON.stringify of the same data in the same page`,
    markdownTable([head('SDK'), ...perWorkload((w) => `${ms(w.task)} (${ratio(w.ratio)})`)]),
    `## Long tasks after the calls (count, total ms)`,
    markdownTable([head('SDK'), ...perWorkload((w) => `${w.longTasks}, ${ms(w.longTaskMs)}`)]),
    `## On the wire: requests (+ CORS preflights), KiB up`,
    markdownTable([head('SDK'), ...perWorkload((w) => `${w.requests} (+${w.preflights}), ${kb(w.bytes)}`)]),
    `## Last value of each key delivered`,
    markdownTable([head('SDK'), ...perWorkload((w) => `${w.delivered}/${w.keys}`)]),
    `## Storage writes (localStorage, sessionStorage, cookies): in the calls' task / until delivered`,
    markdownTable([head('SDK'), ...perWorkload((w) => `${w.writesInTask} / ${w.writes}`)]),
    `## What the SDKs said (page errors, console warnings and errors; first few per workload)`,
    sdks
      .flatMap((sdk) => names.filter((name) => sdk.workloads[name]?.errors.length).map((name) => `- ${sdk.label}, ${WORKLOADS[name].label}: ${sdk.workloads[name].errors.join(' / ')}`))
      .join('\n') || 'nothing',
  ].join('\n\n') + '\n'
}
