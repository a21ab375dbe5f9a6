/**
 * The demo's HTML pages. The server fills in the write key and endpoint (attributes and meta tags,
 * never inline script, so the pages run under a strict Content-Security-Policy). The Read + Write key
 * is never written into a page: the stored profile is fetched through the demo server.
 */
import { createHash } from 'node:crypto'
import { FAULTS } from './faults.js'

/** Escapes text for HTML content and double-quoted attributes. */
export const escapeHtml = (value) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])

/** The ESM page's import map: bare specifiers to files this server serves. */
export const IMPORT_MAP = JSON.stringify({
  imports: { 'userflux-snippet': '/dist/index.js', ky: '/vendor/ky/index.js', nanoid: '/vendor/nanoid/index.browser.js' },
})

/** CSP hash of the import map, the one inline script (import maps cannot be external in Chromium). */
export const IMPORT_MAP_HASH = `sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}`

function layout(title, head, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · userflux-snippet demo</title>
<link rel="icon" href="/favicon.svg">
<link rel="stylesheet" href="/demo.css">
${head}
</head>
<body>
<header><a href="/">userflux-snippet demo</a><nav><a href="/script-tag.html">Script tag</a><a href="/spa.html">ESM (SPA)</a></nav></header>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`
}

/** The fault switches: data-fault is the mode POSTed to /api/faults (demo/site/faults.js). */
const SWITCHES = Object.entries(FAULTS)
  .map(([mode, { short, label }]) => `<button type="button" class="switch" data-fault="${mode}" data-label="${escapeHtml(label)}" aria-pressed="${mode == 'off'}" data-testid="fault-${mode}">${escapeHtml(short)}</button>`)
  .join('\n    ')

/** The panels that show the delivery guarantees at work (public/live-panels.js). */
const LIVE_PANELS = `
<section class="card wide" aria-labelledby="faults-heading">
  <h2 id="faults-heading">Fault switches</h2>
  <p>Make the local Integration API misbehave, then update the profile: the client keeps the update,
  backs off (or, on 401, pauses sending for this page), and once the switch is off delivers what
  waited, in order. The demo server flips the API's fault injection; this page never holds its token.</p>
  <div class="switches" role="group" aria-label="The local API's behaviour">
    ${SWITCHES}
  </div>
  <p data-testid="fault-status" aria-live="polite">Now: ${escapeHtml(FAULTS.off.label)}.</p>
  <h3>Close this tab with data pending</h3>
    <ol data-testid="walkthrough">
      <li>Switch the API off: press <strong>API down</strong>.</li>
      <li>Update the profile (Theme → dark, <strong>Update profile</strong>). It shows under <em>Pending</em>; the log shows the attempts dropped.</li>
      <li>Close this tab, open this page again and press <strong>Off</strong>: the log shows the update arriving,
      sent by the new visit (under <em>Pending</em>: "left by an earlier visit"). A 401 pauses a page for
      its life the same way: reload once the switch is off.</li>
    </ol>
</section>

<div class="wide pair">
<section class="card" aria-labelledby="pending-heading">
  <h2 id="pending-heading">Pending in this browser</h2>
  <p class="note">Built from the client's <code>debug</code> output, its public account of its queue:
  a <code>queued</code> or <code>coalesced</code> line adds this page's call, <code>sent</code> removes the entry.
  Updates an earlier visit left are only named once delivered.</p>
  <p data-testid="pending-summary" aria-live="polite">Nothing pending from this page.</p>
  <ol class="entries" data-testid="pending-list"></ol>
  <ul class="entries" data-testid="pending-earlier"></ul>
  <p class="note">Last word from the client: <span data-testid="client-word">–</span></p>
</section>

<section class="card" aria-labelledby="log-heading">
  <h2 id="log-heading">Live request log</h2>
  <p class="note">Every <code>POST /profile</code> the local API received: when, its answer, the body as it
  arrived. <em>Property keys</em> are counted in the body; <em>calls</em> are this page's calls that body
  carried (matched with the Pending panel), so 5 quick updates show 1 key, 5 calls. Pushed by the demo
  server, which reads the API's log.</p>
  <label class="inline"><input type="checkbox" data-testid="log-only-mine" checked> Only this visitor's requests</label>
  <p data-testid="log-status" aria-live="polite">Connecting…</p>
  <ol class="entries" data-testid="request-log"></ol>
</section>
</div>
`

/** The controls both pages share; page scripts find them by data-testid. */
const CONTROLS = `
<section class="card" aria-labelledby="identity-heading">
  <h2 id="identity-heading">Identity</h2>
  <dl>
    <dt>Client</dt><dd data-testid="client-status">loading…</dd>
    <dt>anonymousId</dt><dd><code data-testid="anonymous-id">–</code></dd>
    <dt>userId</dt><dd><code data-testid="user-id">–</code></dd>
  </dl>
</section>

<section class="card" aria-labelledby="login-heading">
  <h2 id="login-heading">Log in</h2>
  <form data-testid="login-form">
    <label>User id <input name="userId" required autocomplete="off" value="user-42" data-testid="login-user-id"></label>
    <label>Plan
      <select name="plan" data-testid="login-plan">
        <option value="free">free</option><option value="pro" selected>pro</option><option value="enterprise">enterprise</option>
      </select>
    </label>
    <button type="submit" data-testid="login-submit">Log in (identify)</button>
  </form>
  <button type="button" data-testid="logout">Log out (reset)</button>
</section>

<section class="card" aria-labelledby="update-heading">
  <h2 id="update-heading">Update profile</h2>
  <form data-testid="update-form">
    <label>Theme
      <select name="theme" data-testid="theme-select">
        <option value="light">light</option><option value="dark">dark</option><option value="system">system</option>
      </select>
    </label>
    <button type="submit" data-testid="update-submit">Update profile</button>
  </form>
  <button type="button" class="secondary" data-testid="burst">Make 5 quick updates (coalesced)</button>
</section>
${LIVE_PANELS}

<section class="card wide" aria-labelledby="profile-heading">
  <h2 id="profile-heading">Stored profile</h2>
  <p>What the Integration API holds for the current <code>userId</code>, read through this demo server
  (it holds the Read + Write key; the browser only ever has the Write Only key).</p>
  <button type="button" data-testid="refresh-profile">Send pending updates and refresh</button>
  <p data-testid="profile-status" role="status">Log in to see the stored profile.</p>
  <pre data-testid="stored-profile" hidden></pre>
  <p class="placeholder" data-testid="stored-profile-placeholder">No stored profile to show yet: log in (identify) to read the profile stored under your userId.</p>
  <h3>Reported errors</h3>
  <p class="note" data-testid="error-log-empty">None reported by the client on this page.</p>
  <ul class="errors" data-testid="error-log"></ul>
</section>`

export function indexPage() {
  return layout(
    'Two ways to load the snippet',
    '',
    `<p>Both pages send profile updates with the Write Only key to the local Integration API, on another
origin, exactly as a site would send them to UserFlux.</p>
<ul class="choices">
  <li><a href="/script-tag.html" data-testid="link-script-tag">Script tag</a>: <code>&lt;script async src="/userflux.min.js" data-write-key=…&gt;</code>
  with the loader stub, so calls made before the script arrives are kept.</li>
  <li><a href="/spa.html" data-testid="link-spa">ESM (single-page app)</a>: <code>import { createClient } from 'userflux-snippet'</code>
  through an import map.</li>
</ul>`,
  )
}

/** @param {{ apiUrl: string, writeKey: string }} config */
export function scriptTagPage({ apiUrl, writeKey }) {
  const head = `<script src="/debug-tap.js"></script>
<script src="/stub.js"></script>
<script src="/early-call.js"></script>
<script async src="/userflux.min.js" data-write-key="${escapeHtml(writeKey)}" data-endpoint="${escapeHtml(apiUrl)}" data-location-enrichment="true" data-debug="true"></script>
<script type="module" src="/script-tag-page.js"></script>`
  return layout('Script tag', head, `<p>The loader stub (<code>/stub.js</code>) buffers calls until <code>/userflux.min.js</code> has loaded; <code>/early-call.js</code> makes one such call.</p>${CONTROLS}`)
}

/** @param {{ apiUrl: string, writeKey: string }} config */
export function spaPage({ apiUrl, writeKey }) {
  const head = `<meta name="uf-write-key" content="${escapeHtml(writeKey)}">
<meta name="uf-endpoint" content="${escapeHtml(apiUrl)}">
<script src="/debug-tap.js"></script>
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="/spa-page.js"></script>`
  return layout('ESM (single-page app)', head, `<p><code>createClient()</code> from <code>userflux-snippet</code>, resolved by an import map to <code>/dist/index.js</code>.</p>${CONTROLS}`)
}
