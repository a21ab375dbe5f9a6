/**
 * Input checks of POST /profile. They run before anything touches the store, so a bad request can
 * never leave a half-applied update behind.
 */

/**
 * The `locationEnrichment` query parameter: absent, `true` or `false` (the OpenAPI type is boolean).
 * @param {URLSearchParams} query
 * @returns {{ ok: true, value: boolean } | { ok: false, message: string }}
 */
export function parseLocationEnrichment(query) {
  const values = query.getAll('locationEnrichment')
  if (values.length == 0) return { ok: true, value: false }
  if (values.length == 1 && (values[0] == 'true' || values[0] == 'false')) return { ok: true, value: values[0] == 'true' }
  return { ok: false, message: `locationEnrichment must be "true" or "false", got ${JSON.stringify(values.join(','))}.` }
}

/** A plain object as JSON.parse makes them: not null, not an array. */
export const isPlainObject = (value) => typeof value == 'object' && value !== null && !Array.isArray(value)

/**
 * @typedef {{ userId?: string, anonymousId?: string, properties: Record<string, unknown> }} ProfileUpdate
 */

/**
 * Checks the parsed body of POST /profile. Unknown top-level fields are ignored, as JSON APIs usually do.
 * @param {unknown} body
 * @returns {{ ok: true, update: ProfileUpdate } | { ok: false, message: string }}
 */
export function validateProfileUpdate(body) {
  if (!isPlainObject(body)) return { ok: false, message: 'The body must be a JSON object.' }
  for (const name of ['userId', 'anonymousId']) {
    if (Object.hasOwn(body, name) && (typeof body[name] != 'string' || body[name] == '')) {
      return { ok: false, message: `${name} must be a non-empty string.` }
    }
  }
  if (body.userId === undefined && body.anonymousId === undefined) {
    return { ok: false, message: 'At least one of userId and anonymousId is required.' }
  }
  if (Object.hasOwn(body, 'properties') && !isPlainObject(body.properties)) {
    return { ok: false, message: 'properties must be a JSON object.' }
  }
  return { ok: true, update: { userId: body.userId, anonymousId: body.anonymousId, properties: body.properties ?? {} } }
}
