// Medians over samples, and tables as markdown (for the README and bench/results) and for the console.

export const median = (values) => {
  const sorted = values.filter((value) => value != null && !Number.isNaN(value)).sort((a, b) => a - b)
  if (!sorted.length) return undefined
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Milliseconds with about three significant digits. */
export const ms = (value) => (value == null ? '—' : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value >= 1 ? value.toFixed(2) : value.toFixed(3))

export const ratio = (value) => (value == null ? '—' : value >= 10 ? value.toFixed(0) + '×' : value.toFixed(1) + '×')

/** `rows`: arrays of cells; the first row is the header. Numbers right-aligned after the first column. */
export function markdownTable(rows) {
  const [head, ...body] = rows
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map((_, i) => (i ? '---:' : '---'))), ...body.map(line)].join('\n')
}
