import { nanoid } from 'nanoid'
import type { UserFluxError } from './errors.js'
import { corrupt, type SafeStorage } from '../browser/storage.js'
import { isValidId } from './validate.js'

export interface Identity {
  /** The anonymous id, created and persisted on first use. */
  _anonymousId(settled?: boolean): string
  /** `fresh`: read from storage, not from what this page knew (another tab may have identified a user a moment ago). */
  _userId(fresh?: boolean): string | null
  _setUserId(userId: string): void
  /** Clears the user and starts a new anonymous id. */
  _reset(): void
  /** Writes the current ids (after an opt-in), or removes them (`false`, after an opt-out). */
  _store(keep: boolean): void
  /** Reads both ids from storage again (another subdomain may have changed the shared cookies). */
  _reread(): void
}

/**
 * How long a new id may still give way to one another tab wrote at the same moment: two tabs of a
 * new visitor opened together each make one, and the last written wins in both.
 */
const PROVISIONAL_FOR = 5000
/** A clock that a user setting the system time back (or forward) cannot move. */
const now = () => performance.now()

/**
 * The visitor's identity, kept as plain strings under `<prefix>-anonymousId` and `<prefix>-userId`
 * so that a site switching from UserFlux's own SDK keeps its visitors. Other tabs' changes arrive
 * through `storage` events. Read on hot paths: after the first read it answers from memory.
 */
export function createIdentity(
  storage: SafeStorage,
  prefix: string,
  canStore: () => boolean,
  report: (error: UserFluxError) => void,
  /** Moves queued updates to another id, when this page's provisional id gives way to the stored one. */
  relabel: (from: string, to: string) => void,
  /** Another page's stored queue holds updates (of this visitor, or of one just forgotten). */
  queuedElsewhere: () => boolean,
  /** Runs a task later, guarded, and never after the client is destroyed. */
  later: (task: () => void, ms: number) => void,
): Identity {
  const anonymousKey = prefix + '-anonymousId'
  const userKey = prefix + '-userId'
  let anonymous: string | undefined
  // Until then the id may still give way to one found in storage, and queued updates follow it:
  // for ever while storage cannot be read (so a browser whose stored id is only unreadable for a
  // moment never gets a second one), and for a few seconds after it was created, in case another
  // tab created one at the same moment (the last one written then wins in every tab).
  let provisionalUntil = 0
  let user: string | null | undefined
  // This page's anonymous id is in storage (written or read here): gone from there later, with no
  // storage event, means this page's own code removed it (a consent manager, logout code).
  let stored = false

  // This page's user could not be stored (storage full): no other tab can see who is signed in
  // here, so this page's identity is its own until it can store one again (found case D1).
  let detached = false

  // A new id made while another page's stored queue holds updates is not written at once (0: it
  // was; else when it will be): that page may still hold a provisional id of its own, and would
  // take a new id written now for a new tab's race and move its updates to it, although they are
  // those of a visitor the page's own code, or a reset here, just forgot (found cases F4c, F4d).
  // Written once that page's window is over, unless an id was stored meanwhile, which this page
  // then joins (its updates under the unwritten id stay under it: whose they are, nothing says).
  let unwrittenUntil = 0
  // When another tab's removal of the id was heard here: a page whose id is still provisional
  // (made there just before its own code removed it) takes any id written in the next 5 s for a
  // new tab's, so an id made here meanwhile (an app re-rendering on the change reads one) waits too.
  // Chromium may tell only of the removal, the write before it folded into it (found case F4c).
  let removalHeardAt = -PROVISIONAL_FOR

  /** Another tab's id, taken as this page's own: what this page queued stays where it is. */
  const take = (id: string) => {
    anonymous = id
    stored = true
    provisionalUntil = unwrittenUntil = 0
  }

  /** False when a real storage refused the value (full): it lives in this page's memory only. */
  const write = (key: string, value: string | null) => {
    // Announced: another client of this page sharing the keys follows at once, as other tabs do.
    if (!canStore()) return true
    const kept = value == null ? (storage._remove(key, true), true) : storage._set(key, value, true) !== false
    if (key == anonymousKey) stored = kept && value != null
    return kept
  }

  /**
   * The page's own code removed the ids this page stored (no storage event tells it): the visitor
   * starts afresh, as after a removal in another tab. The old id is never written back, and the
   * next user is not linked to it (issue 25 case 7).
   */
  const removedHere = () => {
    if (stored && anonymous && storage._get(anonymousKey) === null) {
      anonymous = undefined
      user = null
      provisionalUntil = 0
      stored = false
    }
  }

  const read = (key: string): string | null | undefined => {
    const value = storage._get(key)
    // Any non-empty text the API accepts is an id ("José García" must survive a reload as it was);
    // a value planted by another script or subdomain is checked like any input (SPEC §14).
    // An empty value is no id either (it would be sent as `userId: ""`, which the API refuses).
    if (value == null || isValidId(value)) return value
    // Corrupt: removed first (removing stores nothing about the visitor, so also while opted out),
    // so that an onError reading the id meanwhile finds it repaired, then said once.
    storage._remove(key, true)
    report(corrupt(key))
    return null
  }

  // Read once per task in the provisional window: another tab's write reaches this page between
  // tasks, and two storage reads a call were most of a new visitor's cost per update (issue 20).
  let readThisTask = false
  /** `settled`: false when another tab changed the stored id, which then is read even if settled here. */
  const anonymousId = (settled = true) => {
    if (anonymous && settled && !unwrittenUntil && (!provisionalUntil || readThisTask || now() >= provisionalUntil)) return anonymous
    removedHere()
    const found = read(anonymousKey)
    if (unwrittenUntil) {
      if (found) take(found)
      else if (found === null && now() >= unwrittenUntil) (unwrittenUntil = 0), write(anonymousKey, anonymous!)
      return anonymous!
    }
    // Unreadable for a moment: tried again at the next call.
    if (found !== undefined && !readThisTask) {
      readThisTask = true
      queueMicrotask(() => (readThisTask = false))
    }
    if (found) {
      // Another tab's id, read before its storage event came: a reset there (which removes this id
      // first) and a new tab's id made at the same moment look alike here, so this page keeps its id
      // until the event tells which (a reset's old visitor must not follow the new id; found case
      // "reset while a new visitor's first update is queued"). An id that was unreadable is taken at once.
      if (anonymous && anonymous != found && settled && provisionalUntil != Infinity) return anonymous
      // Another tab's id (or the one that was unreadable): what this page queued follows it, unless
      // this page's id was settled (then the other tab reset, and what was queued is the old visitor's).
      // Not when a user is stored beside it: another tab identified someone (or reset and then
      // identified), and what this page queued anonymously may be the visitor before them.
      if (anonymous && anonymous != found && now() < provisionalUntil && storage._get(userKey) == null) relabel(anonymous, found)
      anonymous = found
      stored = true
      if (provisionalUntil == Infinity) provisionalUntil = 0
    } else if (anonymous) {
      if (found === undefined) provisionalUntil = Infinity
      else write(anonymousKey, anonymous)
    } else if (found === undefined) {
      anonymous = nanoid()
      provisionalUntil = Infinity
    } else {
      writeNew()
      // Made while opted out, it lives in this page alone: no other tab's id takes what it sets
      // once another tab opts in (found case O1).
      provisionalUntil = unwrittenUntil || !canStore() ? 0 : now() + PROVISIONAL_FOR
    }
    return anonymous!
  }

  /** A new id, written now or, while another page's stored queue holds updates, a little later. */
  const writeNew = () => {
    anonymous = nanoid()
    if (canStore() && (now() < removalHeardAt + PROVISIONAL_FOR || queuedElsewhere())) {
      // Not in storage: its absence there says nothing about page code removing it.
      stored = false
      unwrittenUntil = now() + PROVISIONAL_FOR
      // Read again then (taking one stored meanwhile, or writing this one): also when nothing here
      // calls, so that other tabs and the next page meet this visitor. Due (-1) when the timer
      // comes, however the clocks round; a later id has a timer of its own.
      const made = anonymous
      later(() => {
        if (unwrittenUntil && anonymous == made) (unwrittenUntil = -1), anonymousId()
      }, PROVISIONAL_FOR)
    } else write(anonymousKey, anonymous)
  }

  storage._watch((key, newValue, own) => {
    if (detached) return
    // Read back rather than trust the event's value: this tab's own later write may have won.
    // `null`: the whole storage was cleared (a logout routine's `localStorage.clear()`): the user is
    // read again; the anonymousId is not written back, as the `reset()` that usually follows in that
    // tab would then lose to it and hand the logged-out visitor's id to the next one.
    if (key == userKey || key == null) {
      user = undefined
      // Another tab identified or reset a user: an id made up here meanwhile is settled, not relabelled.
      provisionalUntil = 0
    }
    if (key == anonymousKey) {
      // Removed in another tab (a consent manager, logout code before its reset()): the old id is
      // gone for good, never written back from here; the next call makes a new one (SPEC §5).
      // A reset elsewhere removes the id before it writes the new one, so that no tab takes it
      // for a provisional id's race and moves the old visitor's updates to the new id.
      // An id already gone again when its event comes was removed too (a page's own code right
      // after another tab wrote it): answered as a removal, never by making and writing an id from
      // here (found case F4c: an idle tab wrote one, and another tab's queued updates followed it).
      if (newValue === null || storage._get(anonymousKey) === null) {
        // This client's own removal (a reset, an opt-out, a corrupt id) is no other tab's.
        if (!own) removalHeardAt = now()
        anonymous = undefined
        provisionalUntil = unwrittenUntil = 0
        stored = false
      } else anonymousId(false)
    }
  })

  const identity: Identity = {
    _anonymousId: anonymousId,
    _userId(fresh) {
      if (detached) return user ?? null
      if (fresh) removedHere()
      if (user === undefined || fresh) {
        const found = read(userKey)
        // Unreadable for a moment: what this page knew stands.
        if (found === undefined) return user ?? null
        // Signed out elsewhere a moment ago (a reset in another tab whose storage event has not come
        // yet): the user this page knew is still the answer, so that identifying someone else resets
        // first and never links the signed-out user's anonymousId to the next one (found case R2).
        if (found === null && user && fresh) return user
        // Identified in another tab: the id stored beside the user comes with them, even before its
        // storage event (a reset there made it), so that this user is never sent with the id of the
        // user before (found case U1).
        const beside = found && found != user && read(anonymousKey)
        if (beside && beside != anonymous) take(beside)
        user = found
      }
      return user
    },
    _setUserId(userId) {
      // The id linked to the user is the one stored now, settled with it (made now, if the visitor
      // starts afresh). Another tab's id not yet heard of is taken without moving this page's
      // queued updates: it may be a reset's, after which those are the old visitor's (found case R3).
      const found = read(anonymousKey)
      if (found && anonymous && found != anonymous) take(found)
      else anonymousId()
      // Written before the user, now: another tab reading the user takes the id beside them.
      if (unwrittenUntil) (unwrittenUntil = 0), write(anonymousKey, anonymous!)
      detached = !write(userKey, (user = userId))
      // Another tab, seeing no user, might link the stored anonymousId to someone else: this user
      // gets an id of their own, in memory (the anonymous updates before stay the visitor's).
      if (detached) (anonymous = nanoid()), (stored = false)
      // Linked to a user now: this id no longer gives way to another tab's (that would be a reset
      // there, and the old visitor's updates would follow the new id).
      provisionalUntil = 0
    },
    _reset() {
      detached = false
      write(userKey, (user = null))
      write(anonymousKey, null)
      // Written at once, unlike other new ids: the tab that logs out and the app's other tabs show
      // the next visitor's id together (open case F4e is the price).
      unwrittenUntil = 0
      write(anonymousKey, (anonymous = nanoid()))
      provisionalUntil = 0
    },
    _reread() {
      anonymousId(false)
      user = undefined
    },
    _store(keep) {
      // Not through `write`: an opt-out must remove the ids although storing is no longer allowed.
      // Only once written: read before, the id not yet stored would look removed by the page.
      if (keep) {
        // Another tab's id stored meanwhile (it opted in first, or made one after this page's own
        // code removed ours): joined, never overwritten (found case O2).
        const found = read(anonymousKey)
        // With the user stored beside it, read again (two people never share an anonymousId).
        if (found && found != anonymous) take(found), (user = undefined)
        const id = anonymousId()
        // One made now, while another page's queue holds updates, waits like any new id (found case F4e).
        if (!unwrittenUntil) stored = storage._set(anonymousKey, id, true) !== false
        // The user as stored (another tab may have identified one this page never read): kept.
        const current = identity._userId()
        if (current) storage._set(userKey, current, true)
      } else {
        stored = false
        storage._remove(anonymousKey, true)
        storage._remove(userKey, true)
      }
    },
  }
  return identity
}
