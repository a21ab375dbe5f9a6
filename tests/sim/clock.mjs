/**
 * One virtual clock and one task queue for every simulated tab, the network and the lock manager.
 *
 * HTML's event loop runs one task at a time, then performs a microtask checkpoint
 * (https://html.spec.whatwg.org/multipage/webappapis.html#event-loop-processing-model). Here a task
 * is a plain function due at a virtual time; tasks run in (due time, order of scheduling) order, and
 * after each one the simulator waits for Node's microtask queue to drain: Promises made inside a
 * `vm` context share the isolate's microtask queue with the host (measured in clock.test.ts), and a
 * `setImmediate` callback runs only once that queue is empty, with no real I/O pending in between.
 * So a run is a pure function of its seed and steps.
 *
 * A task belongs to a tab (or to nobody: the network, the server). A tab's tasks do not run while it
 * is frozen in the back/forward cache: HTML runs only tasks whose document is fully active, the
 * others wait in their queue until it is again (same section, "runnable" tasks).
 */
export const EPOCH = Date.UTC(2026, 0, 15, 12, 0, 0)

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

export function createClock() {
  let now = 0
  let wallOffset = 0
  let order = 0
  /** Pending tasks, kept sorted by (at, order). Small (tens): a sorted array beats a heap here. */
  let tasks = []
  const clock = {
    /** Virtual milliseconds since the run began: what `performance.now()` and timers follow. */
    get now() {
      return now
    },
    /** The wall clock (`Date.now()`), which a user or NTP can set either way at any moment. */
    wall: () => EPOCH + now + wallOffset,
    jumpWall(ms) {
      wallOffset += ms
    },
    /** Errors thrown by a task itself (not by the page: tabs catch their own). */
    onTaskError: (error) => {
      throw error
    },
    schedule(delay, run, owner) {
      const task = { at: now + Math.max(0, delay || 0), order: order++, run, owner, cancelled: false }
      let i = tasks.length
      while (i > 0 && (tasks[i - 1].at > task.at || (tasks[i - 1].at == task.at && tasks[i - 1].order > task.order))) i--
      tasks.splice(i, 0, task)
      return task
    },
    cancel(task) {
      if (task) task.cancelled = true
    },
    /** Drops every task of `owner` (a closed or crashed tab). */
    dropOwner(owner) {
      tasks = tasks.filter((task) => task.owner !== owner)
    },
    /** Lets queued microtasks run to completion. */
    settle: nextTurn,
    /** Runs every task due by `until` (virtual ms), in order, microtasks drained after each. */
    async runUntil(until) {
      for (;;) {
        const index = tasks.findIndex((task) => !task.cancelled && !(task.owner && task.owner.frozen))
        const task = tasks[index]
        if (!task || task.at > until) break
        tasks.splice(index, 1)
        if (task.at > now) now = task.at
        try {
          task.run()
        } catch (error) {
          clock.onTaskError(error, task)
        }
        await nextTurn()
      }
      tasks = tasks.filter((task) => !task.cancelled)
      if (until > now) now = until
    },
    /** Runs what is due now (tasks scheduled with no delay by the step just taken). */
    runDue: () => clock.runUntil(now),
    /** The number of tasks waiting (for tests and for the idle check). */
    pending: (owner) => tasks.filter((task) => !task.cancelled && (owner === undefined || task.owner === owner)).length,
  }
  return clock
}
