/**
 * Input checks of POST /profile. They run before anything touches the store, so a bad request can
 * never leave a half-applied update behind.
 */

/** Deepest nesting of arrays and objects accepted in a body: the snippet caps properties at 100 levels, plus the body and `properties` around them. */
export const MAX_DEPTH = 128

/**
 * The `locationEnrichment` query parameter: absent, `true` or `false` in any case (the OpenAPI type is
 * boolean, and `TRUE` is how some clients spell it).
 * @param {URLSearchParams} query
 * @returns {{ ok: true, value: boolean } | { ok: false, message: string }}
 */
export function parseLocationEnrichment(query) {
  const values = query.getAll('locationEnrichment')
  if (values.length == 0) return { ok: true, value: false }
  const value = values.length == 1 ? values[0].toLowerCase() : ''
  if (value == 'true' || value == 'false') return { ok: true, value: value == 'true' }
  return { ok: false, message: `locationEnrichment must be "true" or "false", got ${JSON.stringify(values.join(','))}.` }
}

/** A plain object as JSON.parse makes them: not null, not an array. */
export const isPlainObject = (value) => typeof value == 'object' && value !== null && !Array.isArray(value)

/**
 * Whether JSON text nests arrays/objects deeper than `max`, found by one loop over the text (no
 * recursion, so no stack to blow). JSON.parse copes with 6,000 levels, but everything recursive after
 * it (structuredClone, JSON.stringify of the store) would fail later, on every save.
 * Brackets inside strings do not count; the text need not be valid JSON (JSON.parse judges that).
 */
export function nestsDeeperThan(text, max = MAX_DEPTH) {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c == 92 /* \ */) i++
      else if (c == 34 /* " */) inString = false
    } else if (c == 34) inString = true
    else if (c == 123 /* { */ || c == 91 /* [ */) {
      if (++depth > max) return true
    } else if (c == 125 /* } */ || c == 93 /* ] */) depth--
  }
  return false
}

/** A JSON scalar: what deviceData's values may be (UserFlux's SDK sends strings and numbers). */
const isScalar = (value) => value === null || ['string', 'number', 'boolean'].includes(typeof value)

/**
 * @typedef {object} ProfileUpdate
 * @property {string} [userId]
 * @property {string} [anonymousId]
 * @property {Record<string, unknown>} properties
 * @property {Record<string, string | number | boolean | null>} [deviceData] what the client says about its device (SPEC §8)
 * @property {string} [externalId] the id of UserFlux's links (SPEC §8)
 */

/**
 * Checks the parsed body of POST /profile. Unknown top-level fields are ignored, as JSON APIs usually do.
 * `userId`, `deviceData` and `externalId` may be null, meaning absent: UserFlux's own SDK sends
 * `userId: null` for an anonymous visitor, and nulls for what it does not know.
 * @param {unknown} body
 * @returns {{ ok: true, update: ProfileUpdate } | { ok: false, message: string }}
 */
export function validateProfileUpdate(body) {
  if (!isPlainObject(body)) return { ok: false, message: 'The body must be a JSON object.' }
  const userId = body.userId ?? undefined
  if (userId !== undefined && (typeof userId != 'string' || userId == '')) return { ok: false, message: 'userId must be a non-empty string (or null).' }
  if (Object.hasOwn(body, 'anonymousId') && (typeof body.anonymousId != 'string' || body.anonymousId == '')) {
    return { ok: false, message: 'anonymousId must be a non-empty string.' }
  }
  if (userId === undefined && body.anonymousId === undefined) {
    return { ok: false, message: 'At least one of userId and anonymousId is required.' }
  }
  if (Object.hasOwn(body, 'properties') && !isPlainObject(body.properties)) {
    return { ok: false, message: 'properties must be a JSON object.' }
  }
  const deviceData = body.deviceData ?? undefined
  if (deviceData !== undefined && !(isPlainObject(deviceData) && Object.values(deviceData).every(isScalar))) {
    return { ok: false, message: 'deviceData must be an object of strings, numbers, booleans or nulls (or null).' }
  }
  const externalId = body.externalId ?? undefined
  if (externalId !== undefined && typeof externalId != 'string') return { ok: false, message: 'externalId must be a string or null.' }
  const update = { userId, anonymousId: body.anonymousId, properties: body.properties ?? {} }
  if (deviceData !== undefined) update.deviceData = deviceData
  if (externalId !== undefined && externalId != '') update.externalId = externalId
  return { ok: true, update }
}
