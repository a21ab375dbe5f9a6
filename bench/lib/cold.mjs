// The workloads on fresh pages, for a list of SDKs: N samples each, interleaved (sample 1 of every
// SDK and workload, then sample 2…) so that a busy moment of the machine hits all of them alike.
import { median } from './report.mjs'
import { runSample } from './sample.mjs'
import { WORKLOADS } from './workloads.mjs'

/** Medians of each measure over the samples; `delivered` is the worst sample's (a loss is a loss). */
export function aggregate(samples) {
  const mid = (pick) => median(samples.map(pick))
  return {
    samples: samples.length,
    // A sample stopped at the time limit: its figures are lower bounds, the table says so.
    aborted: samples.some((s) => s.aborted),
    failed: samples.every((s) => s.failed),
    task: mid((s) => s.task),
    calls: mid((s) => s.calls),
    stringify: mid((s) => s.stringify),
    ratio: mid((s) => s.ratio),
    longTasks: mid((s) => s.longTasks),
    longTaskMs: mid((s) => s.longTaskMs),
    requests: mid((s) => s.requests),
    preflights: mid((s) => s.preflights),
    bytes: mid((s) => s.bytes),
    writesInTask: mid((s) => s.writesInTask),
    writes: mid((s) => s.writes),
    delivered: Math.min(...samples.map((s) => s.delivered)),
    keys: samples[0].keys,
    evaluation: mid((s) => s.load.evaluation),
    ready: mid((s) => s.load.ready),
    scriptMs: mid((s) => s.load.scriptMs),
    // The first few distinct messages (an SDK may repeat one per call).
    errors: [...new Set(samples.flatMap((s) => s.errors))].slice(0, 5),
  }
}

/** → { [sdk.name]: { [workload]: aggregate } } */
export async function coldRuns(browser, site, sink, sdks, { samples, workloads = Object.keys(WORKLOADS), log = () => {} }) {
  const raw = {}
  for (let i = 0; i < samples; i++) {
    for (const sdk of sdks) {
      for (const name of workloads) {
        // An SDK that throws fails its own sample, not the run.
        const sample = await runSample(browser, site, sink, sdk, WORKLOADS[name]).catch((error) => ({ failed: true, aborted: true, delivered: 0, keys: Object.keys(WORKLOADS[name].expected()).length, load: {}, errors: [`failed: ${error.message.split('\n')[0]}`] }))
        ;((raw[sdk.name] ??= {})[name] ??= []).push(sample)
        log(`sample ${i + 1}/${samples} ${sdk.name} ${name}: ${sample.failed ? sample.errors[0] : sample.task.toFixed(2) + ' ms'}${sample.aborted ? ' (stopped)' : ''}, ${sample.requests} requests, ${sample.delivered}/${sample.keys} delivered`)
      }
    }
  }
  return Object.fromEntries(Object.entries(raw).map(([sdk, byWorkload]) => [sdk, Object.fromEntries(Object.entries(byWorkload).map(([name, list]) => [name, aggregate(list)]))]))
}
