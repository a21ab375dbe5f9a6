/**
 * The controls both demo pages share: log in (identify), update profile, log out (reset), the
 * "Stored profile" panel, the reported errors (error-list.js) and the live panels (live-panels.js).
 * Each page only says how to get its client.
 */

import { $ } from './dom.js'
import { mountErrorList } from './error-list.js'
import { mountLivePanels } from './live-panels.js'

/**
 * @param {object} options
 * @param {Promise<any>} options.client resolves to the userflux client once it is ready
 * @param {() => any} options.calls where to make calls before then (the script tag's stub buffer)
 */
export function mountDemo({ client, calls }) {
  let ready
  const showIds = () => {
    $('anonymous-id').textContent = ready?.anonymousId ?? '–'
    $('user-id').textContent = ready?.userId ?? '(anonymous)'
  }

  async function refreshProfile() {
    const status = $('profile-status')
    if (!ready) return
    status.textContent = 'Sending pending updates…'
    // Updates are coalesced for about a second; flush so the panel shows what was just done.
    const result = await ready.flush()
    if (!result.ok) {
      status.textContent = `Sending failed (${result.error?.message ?? 'unknown error'}); the client keeps the update and retries.`
      return
    }
    await showStored()
  }

  /**
   * The profile view: the JSON when there is one, else a sentence in its place (an empty dark box
   * reads as broken).
   */
  const showProfile = (json, placeholder) => {
    $('stored-profile').textContent = json ?? ''
    $('stored-profile').hidden = json === undefined
    $('stored-profile-placeholder').textContent = placeholder ?? ''
    $('stored-profile-placeholder').hidden = json !== undefined
  }

  /** Reads the stored profile (through the demo server) into the panel. */
  async function showStored() {
    const status = $('profile-status')
    const userId = ready.userId
    if (!userId) {
      status.textContent = 'Anonymous: the API keeps this profile under the anonymousId; GET /profile/{userId} shows it once you log in.'
      showProfile(undefined, 'No stored profile to show while anonymous: log in (identify) and the profile, with what you set before, appears here.')
      return
    }
    const response = await fetch(`/api/profile/${encodeURIComponent(userId)}`)
    const body = await response.json().catch(() => null)
    status.textContent = response.ok ? `GET /profile/${userId} → ${response.status}` : `GET /profile/${userId} → ${response.status}: ${body?.message ?? ''}`
    if (response.ok) showProfile(JSON.stringify(body, null, 2))
    else showProfile(undefined, response.status == 404 ? `Nothing stored for ${userId} yet: it appears once an update has arrived.` : 'The profile could not be read (see above).')
  }

  const after = () => {
    showIds()
    refreshProfile().catch((error) => ($('profile-status').textContent = `Could not refresh: ${error.message}`))
  }

  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const form = new FormData(event.target)
    calls().identify(String(form.get('userId')).trim(), { plan: form.get('plan') })
    after()
  })
  $('update-form').addEventListener('submit', (event) => {
    event.preventDefault()
    calls().updateProfile({ theme: new FormData(event.target).get('theme') })
    after()
  })
  $('logout').addEventListener('click', () => {
    calls().reset()
    showProfile(undefined, 'Logged out: a new anonymous visitor, with nothing stored to show yet.')
    after()
  })
  $('refresh-profile').addEventListener('click', after)
  // Five calls at once, no flush: they go out as one request about a second later (coalesced).
  let clicks = 0
  $('burst').addEventListener('click', () => {
    for (let i = 0; i < 5; i++) calls().updateProfile({ clicks: ++clicks })
    showIds()
  })
  mountLivePanels({ current: () => ready })
  mountErrorList(window.ufDemoTap)
  // A retry that got through later (after an outage) updates the panel too.
  window.ufDemoTap.listen((event) => {
    if (event.kind == 'sent' && ready) showStored().catch(() => {})
  })

  client.then(
    (loaded) => {
      ready = loaded
      $('client-status').textContent = 'ready'
      document.documentElement.dataset.ufReady = 'true'
      after()
    },
    (error) => ($('client-status').textContent = `failed: ${error.message}`),
  )
}
