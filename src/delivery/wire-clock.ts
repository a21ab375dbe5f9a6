/**
 * `wireUntil` marks are wall-clock times, the only clock pages share; a wall clock set ahead would
 * make a request still on the wire look done (found case C3). So each mark this page sees becomes a
 * deadline on its own monotonic clock, fixed the first time it is seen: a page that saw a mark
 * before the clock jumped keeps waiting as long as it had to.
 */
const deadlines = new Map<number, number>()

/** How long until `mark` passes, by this page's monotonic clock since it first saw it (≤ 0: passed). */
export const wireLeft = (mark: number) => {
  const now = performance.now()
  let deadline = deadlines.get(mark)
  if (deadline === undefined) {
    // Kept small: marks that passed are forgotten.
    deadlines.forEach((at, seen) => at < now && deadlines.delete(seen))
    deadlines.set(mark, (deadline = now + mark - Date.now()))
  }
  return deadline - now
}
