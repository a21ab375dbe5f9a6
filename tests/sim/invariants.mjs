/**
 * The guarantees of SPEC §5 as checks over one simulated run (issue 25):
 * 1 per visitor and key, the server ends with the last value set, unless that update's drop was
 *   reported (4xx refusal, queue full) or the visitor opted out after it;
 * 2 no request leaves any tab while the opt-out flag (`uf-optOut` = '1') is stored, and nothing but
 *   the flag is written to storage then;
 * 3 a value arrives with the userId and anonymousId it was set under (a value set while A is
 *   identified never arrives with another user's id; after reset() nothing of the old identity goes
 *   under the new one), and no anonymousId is ever linked to two users;
 * 4 no uncaught error in any tab, no method throwing into the page, no built-in prototype changed;
 * 5 every flush() promise of a live tab has settled once the network is healthy for long enough;
 * 6 idle tabs do no work: once quiet, no storage write and no timer firing again and again.
 * Every value set is unique (its call's sequence number), so each value the server receives names
 * the call it came from.
 */
export const INVARIANTS = [1, 2, 3, 4, 5, 6]
const OPT_OUT_KEY = 'uf-optOut'

export function createChecker(world, enabled = INVARIANTS) {
  const on = new Set(enabled)
  const violations = []
  const calls = []
  const byValue = new Map()
  const linkedTo = new Map()
  /** Times the opt-out flag was written. */
  const optOuts = []
  /** Times a tab reported a queue-full drop (which entry it dropped is not visible from outside). */
  const queueFull = []
  /** Storage-full periods [from, to]: updates of a tab that crashes meanwhile live in its memory only. */
  const fullPeriods = []
  /** Values in a request the API refused for good (4xx): dropped, as reported. */
  const refused = new Set()
  let writes = []

  const flagged = () => world.storage.map.get(OPT_OUT_KEY) === '1'
  const fail = (invariant, message) => {
    if (on.has(invariant) && violations.length < 20) violations.push({ invariant, at: world.clock.now, message })
  }

  world.storage.onWrite = (tab, op, key, value) => {
    writes.push({ at: world.clock.now, tab: tab.id, op, key })
    if (key == OPT_OUT_KEY && op == 'set' && value == '1') optOuts.push(world.clock.now)
    if (op == 'set' && key != OPT_OUT_KEY && flagged()) fail(2, `tab ${tab.id} wrote ${key} while opted out: ${String(value).slice(0, 120)}`)
  }
  world.network.onSend = (request) => {
    // A sandboxed frame is another (opaque) origin: the stored flag is not its; its own optOut() is.
    const optedOut = request.tab.sandboxed ? request.tab.optedOut : flagged()
    if (optedOut) fail(2, `tab ${request.tab.id} sent request ${request.id} while opted out: ${request.body.slice(0, 160)}`)
  }
  world.server.onApply = ({ update, requestId, tab }) => {
    const { userId, anonymousId, properties = {} } = update
    if (userId !== undefined && anonymousId !== undefined) {
      const other = linkedTo.get(anonymousId)
      if (other !== undefined && other !== userId) fail(3, `anonymousId ${anonymousId} linked to ${other} and then to ${userId} (request ${requestId} from tab ${tab})`)
      linkedTo.set(anonymousId, userId)
    }
    for (const [key, value] of Object.entries(properties)) {
      const call = byValue.get(value)
      if (!call) {
        fail(3, `request ${requestId} carried ${key}=${JSON.stringify(value)}, a value never set`)
        continue
      }
      if (call.key !== key) fail(3, `${call.key}=${value} set by tab ${call.tab} arrived as ${key} (request ${requestId})`)
      else if (call.userId !== userId) fail(3, `${key}=${value} set by tab ${call.tab} under userId ${call.userId} arrived under userId ${userId} (request ${requestId})`)
      else if (call.anonymousId !== anonymousId) fail(3, `${key}=${value} set by tab ${call.tab} under anonymousId ${call.anonymousId} arrived under ${anonymousId} (request ${requestId})`)
    }
  }
  world.network.onRefused = (request) => {
    try {
      for (const value of Object.values(JSON.parse(request.body).properties || {})) refused.add(value)
    } catch {}
  }

  const carries = (request, call) => {
    try {
      return JSON.parse(request.body).properties?.[call.key] === call.value
    } catch {
      return false
    }
  }

  /** The request carries the call's key for the call's visitor: its value, or a later one it was coalesced into. */
  const coalescedInto = (request, call) => {
    try {
      const body = JSON.parse(request.body)
      return body.anonymousId === call.anonymousId && Object.hasOwn(body.properties ?? {}, call.key)
    } catch {
      return false
    }
  }

  const checker = {
    violations,
    calls,
    /** Records one value set (after the call returned: the client's ids are what it queued under). */
    recordCall(tab, key, value, optedOutAtCall) {
      const call = { seq: value, at: world.clock.now, tab: tab.id, key, value, userId: tab.client.userId ?? undefined, anonymousId: tab.client.anonymousId, optedOutAtCall }
      calls.push(call)
      byValue.set(value, call)
    },
    flagged,
    /** optOut() was called: what was set before may be erased, even where the flag could not be stored. */
    noteOptOut(tab, optedOut = true) {
      if (optedOut) optOuts.push(world.clock.now)
      tab.optedOut = optedOut
    },
    noteFull(full) {
      if (full) fullPeriods.push([world.clock.now, Infinity])
      else if (fullPeriods.length && fullPeriods.at(-1)[1] == Infinity) fullPeriods.at(-1)[1] = world.clock.now
    },
    /** Invariant 4, for every tab that ever lived. */
    checkPages() {
      for (const tab of world.tabs) {
        for (const { at, error } of tab.uncaught) fail(4, `tab ${tab.id} at ${at} ms: uncaught ${error.split('\n').slice(0, 3).join(' | ')}`)
        tab.uncaught.length = 0
        const changed = tab.prototypesChanged()
        if (changed.length) fail(4, `tab ${tab.id} changed built-ins: ${changed.join(', ')}`)
        for (const { at, level, text } of tab.logs) if (level == 'error' && /queue full/.test(text)) queueFull.push(at)
      }
      if (world.hostRejections.length) fail(4, `unhandled rejection outside any tab: ${world.hostRejections[0]}`)
    },
    /** Invariant 5: every flush() of a tab still open has settled. */
    checkFlushes() {
      for (const tab of world.live()) {
        for (const flush of tab.flushes) if (!flush.settled) fail(5, `tab ${tab.id}: flush() called at ${flush.at} ms has not settled by ${world.clock.now} ms`)
      }
    },
    /** Invariant 6: starts an idle window (nothing is done meanwhile); `end` judges it. */
    idleWindow() {
      const from = world.clock.now
      writes = []
      const fired = new Map(world.tabs.map((tab) => [tab, tab.timersFired.length]))
      return () => {
        if (writes.length) fail(6, `${writes.length} storage writes while idle (${from}-${world.clock.now} ms), e.g. ${writes.slice(0, 3).map((w) => `tab ${w.tab} ${w.op} ${w.key}`).join('; ')}`)
        for (const tab of world.tabs) {
          const count = tab.timersFired.length - (fired.get(tab) ?? 0)
          if (count > 1) fail(6, `tab ${tab.id} fired ${count} timers while idle (${from}-${world.clock.now} ms)`)
        }
      }
    },
    /** Invariant 1, at the end. */
    checkFinal() {
      checker.checkPages()
      // What only the page's memory held (all of a data-storage="memory" page's, or what a full
      // storage could not take) goes with the page when nothing could send it before it went: at a
      // crash; or at a close while the page was paused by a 401/403 it reported (SPEC §5: sending
      // stops for the page's life), or while a request carrying it was on the wire (answered after the
      // page went, or never: whatever the answer, no page is left to send it again, and the exit send
      // does not send twice what is on the wire).
      const answered = (request, before) => request.answeredAt !== undefined && request.answeredAt <= before
      const lostWithPage = (call) => {
        const tab = world.tabs.find((tab) => tab.id == call.tab)
        if (!tab?.closed) return false
        const inMemory = tab.memoryOnly || fullPeriods.some(([from, to]) => from <= tab.closedAt && to >= call.at)
        if (!inMemory) return false
        if (tab.crashed) return true
        const mine = world.network.requests.filter((request) => request.tab === tab && request.at <= tab.closedAt)
        const paused = mine.some((request) => (request.state == '401' || request.state == '403') && answered(request, tab.closedAt))
        // The value, or a later one of its key it was coalesced into (an exit send of a page whose
        // queue cannot outlive it carries everything), was in it.
        const onWire = mine.some((request) => !answered(request, tab.closedAt) && coalescedInto(request, call))
        // The exit send failed (offline, 401, 429, 5xx): no page is left to try again, and storage held nothing.
        const failedAtExit = mine.some((request) => request.at >= tab.closedAt && !/^2/.test(request.state) && coalescedInto(request, call))
        return paused || onWire || failedAtExit
      }
      // A refused value takes with it the earlier values of its key set under the same identity:
      // those may have been coalesced into the refused request (SPEC §5 coalescing).
      const refusedCalls = [...refused].map((value) => byValue.get(value)).filter(Boolean)
      const wentWithRefused = (call) =>
        refusedCalls.some((r) => r.key == call.key && r.userId === call.userId && r.anonymousId === call.anonymousId && r.seq >= call.seq)
      const mayBeGone = (call) =>
        call.optedOutAtCall || wentWithRefused(call) || optOuts.some((at) => at >= call.at) || queueFull.some((at) => at >= call.at) || lostWithPage(call)
      const groups = new Map()
      const state = world.server.store.toJSON()
      for (const call of calls) {
        const owner = call.userId !== undefined ? 'user ' + call.userId : state.links[call.anonymousId] !== undefined ? 'user ' + state.links[call.anonymousId] : 'visitor ' + call.anonymousId
        const group = owner + ' key ' + call.key
        if (!groups.has(group)) groups.set(group, { owner, key: call.key, calls: [] })
        groups.get(group).calls.push(call)
      }
      for (const [name, { key, calls: list }] of groups) {
        const last = list[list.length - 1]
        const profile = world.server.profileOf(last.userId, last.anonymousId)
        const has = profile?.properties?.[key]
        // Acceptable: a value after which every later one may be gone; or nothing, if all may be gone.
        // Judged per source: the tabs sharing storage are one, and each memory-only page (storage:
        // 'memory', a sandboxed frame) is one of its own; it shares no queue, ledger or stamps with the
        // others, so nothing orders its values against theirs (ARCHITECTURE.md, What this does not give).
        const sourceOf = (call) => (world.tabs.find((tab) => tab.id == call.tab)?.memoryOnly ? 'tab ' + call.tab : 'storage')
        const acceptable = new Set()
        const wanted = []
        let allGone = true
        for (const source of new Set(list.map(sourceOf))) {
          const mine = list.filter((call) => sourceOf(call) == source)
          let i = mine.length - 1
          for (; i >= 0; i--) {
            acceptable.add(mine[i].value)
            if (!mayBeGone(mine[i])) break
          }
          if (i >= 0) allGone = false
          wanted.push(...mine.slice(Math.max(i, 0)))
        }
        if (acceptable.has(has) || (allGone && has === undefined)) continue
        const told = wanted.map((call) => `${call.value} (tab ${call.tab} at ${call.at} ms)`).join(' or ')
        const got = has === undefined ? 'nothing' : `${has}${byValue.has(has) ? ` (tab ${byValue.get(has).tab} at ${byValue.get(has).at} ms)` : ''}`
        fail(1, `${name}: the server has ${got}, the last value set was ${told}`)
      }
    },
  }
  return checker
}
