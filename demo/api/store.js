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
 * @property {number} lastUpdatedAt epoch ms
 * @property {number} createdAt epoch ms
 */

/** @typedef {{ users: Record<string, Profile>, anonymous: Record<string, Profile>, links: Record<string, string> }} StoreState */

/** @returns {Profile} */
function emptyProfile(id, at) {
  return { id, anonymousIds: [], properties: {}, computedProperties: { updateCount: 0 }, segments: [], locationData: {}, deviceData: {}, lastUpdatedAt: at, createdAt: at }
}

/** Folds an anonymous profile into a user's (see the merge rule above). */
function absorb(user, anonymous) {
  return {
    ...user,
    properties: { ...user.properties, ...anonymous.properties },
    computedProperties: { ...user.computedProperties, updateCount: user.computedProperties.updateCount + anonymous.computedProperties.updateCount },
    // Keep what the user had; fall back on what was learnt while anonymous.
    locationData: Object.keys(user.locationData).length ? user.locationData : anonymous.locationData,
    deviceData: Object.keys(user.deviceData).length ? user.deviceData : anonymous.deviceData,
    createdAt: Math.min(user.createdAt, anonymous.createdAt),
  }
}

/** Applies one request's data to a profile. locationData/deviceData describe the latest request. */
function applyUpdate(profile, properties, { locationData, deviceData }, at) {
  return {
    ...profile,
    properties: { ...profile.properties, ...properties },
    computedProperties: { ...profile.computedProperties, updateCount: profile.computedProperties.updateCount + 1 },
    locationData: locationData ?? profile.locationData,
    deviceData: deviceData ?? profile.deviceData,
    lastUpdatedAt: Math.max(at, profile.lastUpdatedAt),
  }
}

/**
 * @param {{ now?: () => number, state?: StoreState }} [options]
 */
export function createProfileStore({ now = Date.now, state } = {}) {
  /** @type {Map<string, Profile>} */ const users = new Map(Object.entries(state?.users ?? {}))
  /** @type {Map<string, Profile>} */ const anonymous = new Map(Object.entries(state?.anonymous ?? {}))
  /** @type {Map<string, string>} */ const links = new Map(Object.entries(state?.links ?? {}))

  return {
    /**
     * Applies a validated update.
     * @param {import('./validate.js').ProfileUpdate} update
     * @param {{ locationData?: Record<string, unknown>, deviceData?: Record<string, unknown> }} context
     */
    apply({ userId, anonymousId, properties }, context) {
      const at = now()
      if (userId === undefined) {
        const linkedUser = links.get(anonymousId)
        if (linkedUser !== undefined && users.has(linkedUser)) {
          users.set(linkedUser, applyUpdate(users.get(linkedUser), properties, context, at))
        } else {
          const profile = anonymous.get(anonymousId) ?? { ...emptyProfile(null, at), anonymousIds: [anonymousId] }
          anonymous.set(anonymousId, applyUpdate(profile, properties, context, at))
        }
        return
      }
      let user = users.get(userId) ?? emptyProfile(userId, at)
      if (anonymousId !== undefined) {
        const pending = anonymous.get(anonymousId)
        if (pending) user = absorb(user, pending)
        if (!user.anonymousIds.includes(anonymousId)) user = { ...user, anonymousIds: [...user.anonymousIds, anonymousId] }
      }
      user = applyUpdate(user, properties, context, at)
      // Only now, with the new profile complete, change the maps.
      users.set(userId, user)
      if (anonymousId !== undefined) {
        anonymous.delete(anonymousId)
        // A link moves to the latest user that claims it; the client resets its anonymousId between
        // users, so this only happens with hand-made requests.
        links.set(anonymousId, userId)
      }
    },

    /** A copy of the profile of `userId`, or undefined. Anonymous-only profiles are not found. */
    get(userId) {
      const profile = users.get(userId)
      return profile && structuredClone(profile)
    },

    /** A copy of the anonymous-only profile of `anonymousId` (for tests and debugging). */
    getAnonymous(anonymousId) {
      const profile = anonymous.get(anonymousId)
      return profile && structuredClone(profile)
    },

    clear() {
      users.clear()
      anonymous.clear()
      links.clear()
    },

    /** @returns {StoreState} plain data for persistence (Object.fromEntries keeps "__proto__" an own key). */
    toJSON() {
      return { users: Object.fromEntries(users), anonymous: Object.fromEntries(anonymous), links: Object.fromEntries(links) }
    },
  }
}
