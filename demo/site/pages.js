/**
 * The demo's HTML pages. The server fills in the write key and endpoint (attributes and meta tags,
 * never inline script, so the pages run under a strict Content-Security-Policy). The Read + Write key
 * is never written into a page: the stored profile is fetched through the demo server.
 */
import { createHash } from 'node:crypto'

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
</section>

<section class="card wide" aria-labelledby="profile-heading">
  <h2 id="profile-heading">Stored profile</h2>
  <p>What the Integration API holds for the current <code>userId</code>, read through this demo server
  (it holds the Read + Write key; the browser only ever has the Write Only key).</p>
  <button type="button" data-testid="refresh-profile">Send pending updates and refresh</button>
  <p data-testid="profile-status" role="status">Log in to see the stored profile.</p>
  <pre data-testid="stored-profile"></pre>
  <h3>Reported errors</h3>
  <ul data-testid="error-log"></ul>
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
  const head = `<script src="/stub.js"></script>
<script src="/early-call.js"></script>
<script async src="/userflux.min.js" data-write-key="${escapeHtml(writeKey)}" data-endpoint="${escapeHtml(apiUrl)}" data-location-enrichment="true"></script>
<script type="module" src="/script-tag-page.js"></script>`
  return layout('Script tag', head, `<p>The loader stub (<code>/stub.js</code>) buffers calls until <code>/userflux.min.js</code> has loaded; <code>/early-call.js</code> makes one such call.</p>${CONTROLS}`)
}

/** @param {{ apiUrl: string, writeKey: string }} config */
export function spaPage({ apiUrl, writeKey }) {
  const head = `<meta name="uf-write-key" content="${escapeHtml(writeKey)}">
<meta name="uf-endpoint" content="${escapeHtml(apiUrl)}">
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="/spa-page.js"></script>`
  return layout('ESM (single-page app)', head, `<p><code>createClient()</code> from <code>userflux-snippet</code>, resolved by an import map to <code>/dist/index.js</code>.</p>${CONTROLS}`)
}
