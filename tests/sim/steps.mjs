import fc from 'fast-check'
import { FAULT_MODES } from './server.mjs'

/**
 * What happens in a run, as plain data (printable, replayable): user actions in a tab and events of
 * the browser, the network and the clock. A `tab` number picks among the tabs open and not cached
 * (modulo their count), so any shortened sequence still makes sense; an action with no tab to take
 * it does nothing. Values set are not in the steps: each update sets its key to the call's sequence
 * number, so every value on the server names the call that set it.
 */
const tab = fc.nat(3)
const KEYS = ['a', 'b', 'c']
const USERS = ['alice', 'bob', 'carol']
// A day, an hour, 25 s (the clock skew of issue 25 case 5) either way.
const JUMPS = [86_400_000, 3_600_000, 25_000, -25_000, -3_600_000, -86_400_000]
const WAITS = [0, 1, 10, 100, 500, 1_000, 3_000, 10_000, 30_000, 120_000, 660_000]

/** Each kind of step with its weight; `name` is what `leaveOut` names. */
const STEP_KINDS = [
  { name: 'update', weight: 12, arbitrary: fc.record({ do: fc.constant('update'), tab, keys: fc.subarray(KEYS, { minLength: 1 }) }) },
  // 1,001 other keys at once: past what the ledger remembers (1,000 pairs; issue 25 case 4).
  { name: 'updateMany', weight: 1, arbitrary: fc.record({ do: fc.constant('updateMany'), tab }) },
  { name: 'identify', weight: 3, arbitrary: fc.record({ do: fc.constant('identify'), tab, user: fc.constantFrom(...USERS) }) },
  { name: 'reset', weight: 2, arbitrary: fc.record({ do: fc.constant('reset'), tab }) },
  // A consent manager or a site's logout code deleting the ids itself (issue 25 case 7); reset() may follow.
  { name: 'forgetIds', weight: 1, arbitrary: fc.record({ do: fc.constant('forgetIds'), tab }) },
  { name: 'optOut', weight: 1, arbitrary: fc.record({ do: fc.constant('optOut'), tab }) },
  { name: 'optIn', weight: 1, arbitrary: fc.record({ do: fc.constant('optIn'), tab }) },
  { name: 'flush', weight: 2, arbitrary: fc.record({ do: fc.constant('flush'), tab }) },
  { name: 'open', weight: 3, arbitrary: fc.record({ do: fc.constant('open') }) },
  // A page whose script tag says data-storage="memory": nothing persisted, the Web Locks still shared.
  { name: 'open', weight: 1, arbitrary: fc.record({ do: fc.constant('open'), memory: fc.constant(true) }) },
  // A frame sandboxed without allow-same-origin: storage, cookies and Web Locks throw or reject.
  { name: 'open', weight: 1, arbitrary: fc.record({ do: fc.constant('open'), sandboxed: fc.constant(true) }) },
  { name: 'lifecycle', weight: 2, arbitrary: fc.record({ do: fc.constantFrom('close', 'crash', 'reload', 'leave', 'hide', 'show'), tab }) },
  { name: 'restore', weight: 1, arbitrary: fc.record({ do: fc.constant('restore'), tab }) },
  { name: 'online', weight: 1, arbitrary: fc.record({ do: fc.constantFrom('offline', 'online') }) },
  { name: 'fault', weight: 3, arbitrary: fc.record({ do: fc.constant('fault'), mode: fc.constantFrom(...FAULT_MODES) }) },
  { name: 'jump', weight: 1, arbitrary: fc.record({ do: fc.constant('jump'), ms: fc.constantFrom(...JUMPS) }) },
  { name: 'storageFull', weight: 1, arbitrary: fc.record({ do: fc.constant('storageFull'), on: fc.boolean() }) },
  { name: 'wait', weight: 8, arbitrary: fc.record({ do: fc.constant('wait'), ms: fc.constantFrom(...WAITS) }) },
]

/** Steps of every kind but those named in `leaveOut` (a `do`, such as `forgetIds` or `storageFull`). */
export const stepArbitraryWithout = (leaveOut = []) => fc.oneof(...STEP_KINDS.filter((kind) => !leaveOut.includes(kind.name)).map(({ weight, arbitrary }) => ({ weight, arbitrary })))
export const stepArbitrary = stepArbitraryWithout()

/** A case: the seed of everything random inside the run (latencies, ids, coins), and the steps. */
export const caseArbitrary = (maxSteps = 30, leaveOut = []) =>
  fc.record({ seed: fc.noShrink(fc.integer({ min: 1, max: 0x7fffffff })), steps: fc.array(stepArbitraryWithout(leaveOut), { minLength: 1, maxLength: maxSteps }) })

/** One step, on `world`, recording what the invariants need in `checker`. */
export async function runStep(world, checker, step, counter) {
  const pick = (list) => (list.length ? list[step.tab % list.length] : undefined)
  const live = pick(world.live())
  const user = async (fn) => live && world.act(live, fn)
  switch (step.do) {
    case 'update':
      return user((tab) => {
        // Opted out as the client sees it (the flag may sit only in this page's memory when storage is full).
        const optedOut = checker.flagged() || tab.client.hasOptedOut === true
        const properties = {}
        const values = step.keys.map((key) => [key, ++counter.value])
        for (const [key, value] of values) properties[key] = value
        tab.client.updateProfile(tab.own(properties))
        for (const [key, value] of values) checker.recordCall(tab, key, value, optedOut)
      })
    case 'updateMany':
      return user((tab) => {
        const optedOut = checker.flagged() || tab.client.hasOptedOut === true
        const values = Array.from({ length: 1001 }, (_, i) => [`k${i}`, ++counter.value])
        tab.client.updateProfile(tab.own(Object.fromEntries(values)))
        for (const [key, value] of values) checker.recordCall(tab, key, value, optedOut)
      })
    case 'identify':
      return user((tab) => tab.client.identify(step.user))
    case 'reset':
      return user((tab) => tab.client.reset())
    case 'forgetIds':
      return user((tab) => {
        // A sandboxed frame's own code cannot reach storage either (and guards itself, as pages must).
        if (tab.sandboxed) return
        tab.window.localStorage.removeItem('uf-anonymousId')
        tab.window.localStorage.removeItem('uf-userId')
      })
    case 'optOut':
      return user((tab) => {
        checker.noteOptOut(tab)
        tab.client.optOut()
      })
    case 'optIn':
      return user((tab) => {
        checker.noteOptOut(tab, false)
        tab.client.optIn()
      })
    case 'flush':
      return user((tab) => {
        const flush = { at: world.clock.now, settled: false }
        tab.flushes.push(flush)
        Promise.resolve(tab.client.flush()).then((result) => ((flush.settled = true), (flush.result = result)))
      })
    case 'open':
      return world.live().length < 4 && world.open(step.memory ? { storage: 'memory' } : undefined, { sandboxed: !!step.sandboxed })
    case 'close':
    case 'crash':
    case 'reload':
    case 'leave':
    case 'hide':
    case 'show':
      return live && world[step.do](live)
    case 'restore': {
      const cached = pick(world.frozen())
      return cached && world.restore(cached)
    }
    case 'offline':
    case 'online':
      return world.setOnline(step.do == 'online')
    case 'fault':
      return world.setFault(step.mode)
    case 'jump':
      return world.jump(step.ms)
    case 'storageFull':
      checker.noteFull(step.on)
      return world.setStorageFull(step.on)
    case 'wait':
      return world.wait(step.ms)
  }
}

/** A step as one line of a printed case. */
export const describeStep = (step) =>
  [step.do, step.tab !== undefined && `tab#${step.tab}`, step.memory && 'data-storage=memory', step.sandboxed && 'sandboxed', step.keys?.join(','), step.user, step.mode, step.ms !== undefined && `${step.ms} ms`, step.on !== undefined && (step.on ? 'on' : 'off')]
    .filter((part) => part !== undefined && part !== false)
    .join(' ')
