/**
 * The profile store: what POST /profile changes and GET /profile/{userId} reads.
 *
 * Identified profiles are keyed by userId; anonymous-only profiles by anonymousId (they exist, but
 * GET never returns them, since GET looks up a userId). Once a request carries both ids, the
 * anonymousId is linked to the user for good: later anonymous-only updates with it land on the user.
 *
 * Merge rule when an anonymous profile is linked: user's stored properties, then the anonymous
 * profile's, then the request's (each shallow, later wins). The anonymous properties are the
 * visitor's latest activity (made in this browser right before logging in, e.g. a theme picked on the
 * landing page), so they are newer than what the user's profile held and win over it; the request's
 * own properties are newer still. That is what "later values win" means across the link.
 *
 * Every change builds new objects and swaps them in only when complete, so a failure half-way can
 * never leave a corrupt profile behind; Maps keep odd ids such as "__proto__" harmless.
 */

/**
 * @typedef {object} Profile
 * @property {string | null} id the userId; null for an anonymous-only profile
 * @property {string[]} anonymousIds linked anonymous ids, in linking order
 * @property {Record<string, unknown>} properties
 * @property {{ updateCount: number }} computedProperties what the platform derives; locally only a count of accepted updates
 * @property {string[]} segments always empty here: no segment definitions exist locally
 * @property {Record<string, unknown>} locationData
 * @property {Record<string, unknown>} deviceData
 * @property {string | null} externalId the id of UserFlux's links (`ufeid`), as the client last sent it. The
 *   OpenAPI description is silent on it: UserFlux's own SDK sends it at the top level (SPEC §8), so it is
 *   kept and returned here
 * @property {boolean} [deviceDataFromClient] internal, never returned: a client sent deviceData once, so
 *   the User-Agent no longer overwrites it
 * @property {number} lastUpdatedAt epoch ms
 * @property {number} createdAt epoch ms
 */

/** @typedef {{ users: Record<string, Profile>, anonymous: Record<string, Profile>, links: Record<string, string> }} StoreState */

/** @returns {Profile} */
function emptyProfile(id, at) {
  return { id, anonymousIds: [], properties: {}, computedProperties: { updateCount: 0 }, segments: [], locationData: {}, deviceData: {}, externalId: null, lastUpdatedAt: at, createdAt: at }
}

/** Folds an anonymous profile into a user's (see the merge rule above). */
function absorb(user, anonymous) {
  return {
    ...user,
    properties: { ...user.properties, ...anonymous.properties },
    computedProperties: { ...user.computedProperties, updateCount: user.computedProperties.updateCount + anonymous.computedProperties.updateCount },
    // Keep what the user had; fall back on what was learnt while anonymous.
    locationData: Object.keys(user.locationData).length ? user.locationData : anonymous.locationData,
    // What a client sent beats what the User-Agent suggested.
    deviceData: (anonymous.deviceDataFromClient && !user.deviceDataFromClient) || !Object.keys(user.deviceData).length ? anonymous.deviceData : user.deviceData,
    deviceDataFromClient: Boolean(user.deviceDataFromClient || anonymous.deviceDataFromClient),
    externalId: user.externalId ?? anonymous.externalId ?? null,
    createdAt: Math.min(user.createdAt, anonymous.createdAt),
  }
}

/**
 * A new enrichment replaces the stored location, except what it does not know: a request without CDN
 * headers has no country, which says nothing about where the visitor is, so the stored one stays.
 */
function mergeLocation(stored, fresh) {
  if (!fresh) return stored
  const merged = { ...fresh }
  if (fresh.country == null && stored.country != null) {
    for (const name of ['country', 'region', 'city', 'source']) merged[name] = stored[name] ?? null
  }
  if (Array.isArray(fresh.languages) && fresh.languages.length == 0 && Array.isArray(stored.languages)) merged.languages = stored.languages
  return merged
}

/**
 * deviceData: what a client sends is merged in (shallow) and from then on the User-Agent is no longer
 * used for this profile (the client knows its screen, the server only guesses from a header); a
 * profile that never received any is described by the latest request's User-Agent.
 */
function mergeDevice(profile, fromClient, fromUserAgent) {
  if (fromClient) return { deviceData: { ...profile.deviceData, ...fromClient }, deviceDataFromClient: true }
  if (fromUserAgent && !profile.deviceDataFromClient) return { deviceData: fromUserAgent, deviceDataFromClient: false }
  return { deviceData: profile.deviceData, deviceDataFromClient: Boolean(profile.deviceDataFromClient) }
}

/** Applies one request's data to a profile. */
function applyUpdate(profile, { properties, deviceData, externalId }, context, at) {
  return {
    ...profile,
    properties: { ...profile.properties, ...properties },
    computedProperties: { ...profile.computedProperties, updateCount: profile.computedProperties.updateCount + 1 },
    locationData: mergeLocation(profile.locationData, context.locationData),
    ...mergeDevice(profile, deviceData, context.deviceData),
    externalId: externalId ?? profile.externalId ?? null,
    lastUpdatedAt: Math.max(at, profile.lastUpdatedAt),
  }
}

/** What GET returns: the stored profile without internal fields, as a copy. */
function publicCopy(profile) {
  const { deviceDataFromClient: _internal, ...rest } = profile
  return structuredClone({ externalId: null, ...rest })
}

/** Approximate stored size of a profile (UTF-16 code units of its JSON; close to bytes for most text). */
const sizeOf = (profile) => (profile ? JSON.stringify(profile).length : 0)

/**
 * @typedef {object} StoreLimits
 * @property {number} [maxProfileBytes] a profile may not grow past this (its JSON). Default 4 MiB
 * @property {number} [maxStoreBytes] the sum of all profiles may not grow past this. Default 512 MiB
 */

/**
 * @param {{ now?: () => number, state?: StoreState, limits?: StoreLimits }} [options]
 */
export function createProfileStore({ now = Date.now, state, limits = {} } = {}) {
  const { maxProfileBytes = 4 * 1024 * 1024, maxStoreBytes = 512 * 1024 * 1024 } = limits
  /** @type {Map<string, Profile>} */ const users = new Map(Object.entries(state?.users ?? {}))
  /** @type {Map<string, Profile>} */ const anonymous = new Map(Object.entries(state?.anonymous ?? {}))
  /** @type {Map<string, string>} */ const links = new Map(Object.entries(state?.links ?? {}))
  // Sizes are known per profile, so checking a cap costs the changed profile, not the store.
  /** @type {WeakMap<Profile, number>} */ const sizes = new WeakMap()
  let totalBytes = 0
  const size = (profile) => {
    if (!profile) return 0
    let known = sizes.get(profile)
    if (known === undefined) sizes.set(profile, (known = sizeOf(profile)))
    return known
  }
  for (const profile of users.values()) totalBytes += size(profile)
  for (const profile of anonymous.values()) totalBytes += size(profile)

  /**
   * Works out what an update changes without changing anything.
   * @returns {{ user?: [string, Profile], anonymous?: [string, Profile], dropAnonymous?: string, link?: [string, string], before: Profile[] }}
   */
  function plan(update, context, at) {
    const { userId, anonymousId } = update
    if (userId === undefined) {
      const linkedUser = links.get(anonymousId)
      if (linkedUser !== undefined && users.has(linkedUser)) {
        const before = users.get(linkedUser)
        return { user: [linkedUser, applyUpdate(before, update, context, at)], before: [before] }
      }
      const before = anonymous.get(anonymousId)
      const profile = before ?? { ...emptyProfile(null, at), anonymousIds: [anonymousId] }
      return { anonymous: [anonymousId, applyUpdate(profile, update, context, at)], before: before ? [before] : [] }
    }
    const storedUser = users.get(userId)
    let user = storedUser ?? emptyProfile(userId, at)
    const before = storedUser ? [storedUser] : []
    if (anonymousId !== undefined) {
      const pending = anonymous.get(anonymousId)
      if (pending) {
        user = absorb(user, pending)
        before.push(pending)
      }
      if (!user.anonymousIds.includes(anonymousId)) user = { ...user, anonymousIds: [...user.anonymousIds, anonymousId] }
    }
    user = applyUpdate(user, update, context, at)
    return { user: [userId, user], ...(anonymousId !== undefined ? { dropAnonymous: anonymousId, link: [anonymousId, userId] } : {}), before }
  }

  return {
    /**
     * Applies a validated update. With `enforce` (live requests; not when replaying the log, which holds
     * only updates that were accepted) a profile or the store past its cap refuses it, changing nothing.
     * @param {import('./validate.js').ProfileUpdate} update
     * @param {{ locationData?: Record<string, unknown>, deviceData?: Record<string, unknown>, at?: number }} context
     * @returns {{ ok: true, at: number } | { ok: false, reason: 'profile_too_large' | 'store_full', message: string }}
     */
    apply(update, context, { enforce = true } = {}) {
      const at = context.at ?? now()
      const change = plan(update, context, at)
      const changed = change.user?.[1] ?? change.anonymous?.[1]
      const grown = size(changed) - change.before.reduce((sum, profile) => sum + size(profile), 0)
      if (enforce && size(changed) > maxProfileBytes) {
        return { ok: false, reason: 'profile_too_large', message: `The profile would exceed ${maxProfileBytes} bytes.` }
      }
      if (enforce && grown > 0 && totalBytes + grown > maxStoreBytes) {
        return { ok: false, reason: 'store_full', message: `The store is full (${maxStoreBytes} bytes).` }
      }
      // Only now, with the new profile complete, change the maps.
      if (change.user) users.set(...change.user)
      if (change.anonymous) anonymous.set(...change.anonymous)
      if (change.dropAnonymous !== undefined) anonymous.delete(change.dropAnonymous)
      // A link moves to the latest user that claims it; the client resets its anonymousId between
      // users, so this only happens with hand-made requests.
      if (change.link) links.set(...change.link)
      totalBytes += grown
      return { ok: true, at }
    },

    /** A copy of the profile of `userId`, or undefined. Anonymous-only profiles are not found. */
    get(userId) {
      const profile = users.get(userId)
      return profile && publicCopy(profile)
    },

    /** A copy of the anonymous-only profile of `anonymousId` (for tests and debugging). */
    getAnonymous(anonymousId) {
      const profile = anonymous.get(anonymousId)
      return profile && publicCopy(profile)
    },

    /** Approximate size of all profiles, in bytes. */
    get bytes() {
      return totalBytes
    },

    clear() {
      users.clear()
      anonymous.clear()
      links.clear()
      totalBytes = 0
    },

    /**
     * The store as it is now, for a snapshot written later: profiles are never changed in place (every
     * update builds new objects), so holding references is a consistent, cheap point-in-time copy.
     * @returns {{ users: [string, Profile][], anonymous: [string, Profile][], links: [string, string][] }}
     */
    capture() {
      return { users: [...users], anonymous: [...anonymous], links: [...links] }
    },

    /** @returns {StoreState} plain data (Object.fromEntries keeps "__proto__" an own key). */
    toJSON() {
      return { users: Object.fromEntries(users), anonymous: Object.fromEntries(anonymous), links: Object.fromEntries(links) }
    },
  }
}
