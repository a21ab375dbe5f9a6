import { createProfileStore } from '../../demo/api/store.js'

/**
 * The Integration API as the simulator sees it: the demo API's own profile store (demo/api/store.js:
 * shallow merge of `properties` per profile, anonymousId linked to userId, an anonymous profile
 * absorbed into the user's when linked), applying each request when it ANSWERS it, so two requests
 * in flight land in the order their answers go out, as with the real API.
 *
 * `mode` is the fault the API shows to requests arriving now:
 *   ok (204) · 422 (refused for good) · 401 · 429 (Retry-After: 2) · 500 (503) ·
 *   network (the connection drops: no answer) · hang (no answer until the client aborts) ·
 *   slow (204, behind an uplink of 20 kbit/s: time grows with the body).
 */
export const FAULT_MODES = ['ok', '422', '401', '429', '500', 'network', 'hang', 'slow']

export function createServer(clock) {
  const store = createProfileStore({ now: () => clock.wall() })
  const server = {
    store,
    mode: 'ok',
    /** Every update applied, in the order applied: { at, requestId, tab, update }. */
    applied: [],
    /** Called with each applied entry (the invariants check ids as they land). */
    onApply: () => {},
    /** The answer to one request, applying it on 2xx. */
    answer(request, mode) {
      if (mode == '422') return { status: 422, body: '{"error":"unprocessable"}' }
      if (mode == '401') return { status: 401, body: '{"error":"unauthorized"}' }
      if (mode == '429') return { status: 429, body: '{"error":"slow down"}', headers: { 'retry-after': '2' } }
      if (mode == '500') return { status: 503, body: '{"error":"unavailable"}' }
      server.apply(request)
      return { status: 204, body: '' }
    },
    apply(request) {
      let update
      try {
        update = JSON.parse(request.body)
      } catch {
        return
      }
      const { userId, anonymousId, properties = {}, deviceData, externalId } = update
      store.apply({ userId, anonymousId, properties, deviceData, externalId }, {})
      const entry = { at: clock.now, requestId: request.id, tab: request.tab.id, keepalive: request.keepalive, update }
      server.applied.push(entry)
      server.onApply(entry)
    },
    /** The stored properties a value of `call` should be in: the user's profile, or the linked one, or the anonymous one. */
    profileOf(userId, anonymousId) {
      const state = store.toJSON()
      if (userId !== undefined) return state.users[userId]
      const linked = state.links[anonymousId]
      return linked !== undefined ? state.users[linked] : state.anonymous[anonymousId]
    },
  }
  return server
}
