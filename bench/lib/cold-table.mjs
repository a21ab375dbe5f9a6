// The cold figures of one SDK as a markdown table: a row per workload, then script evaluation.
import { markdownTable, ms, ratio } from './report.mjs'
import { WORKLOADS } from './workloads.mjs'

export function coldTable(byWorkload) {
  const rows = [['fresh page, first client', 'main thread (ms)', 'JSON.stringify of the same (ms)', 'ratio', 'long tasks after (count, ms)', 'requests', 'storage writes in the task / by delivery', 'last values delivered']]
  for (const [name, r] of Object.entries(byWorkload)) {
    rows.push([WORKLOADS[name].label, ms(r.task), ms(r.stringify), ratio(r.ratio), `${r.longTasks}, ${ms(r.longTaskMs)}`, String(r.requests), `${r.writesInTask} / ${r.writes}`, `${r.delivered}/${r.keys}`])
  }
  const all = Object.values(byWorkload)
  const mid = (pick) => all.map(pick).sort((a, b) => a - b)[all.length >> 1]
  rows.push(['script evaluation + createClient (from the script\'s bytes to its end)', ms(mid((r) => r.evaluation)), '', '', '', '', '', ''])
  rows.push(['script time on the main thread to ready (CDP ScriptDuration)', ms(mid((r) => r.scriptMs)), '', '', '', '', '', ''])
  return markdownTable(rows)
}
