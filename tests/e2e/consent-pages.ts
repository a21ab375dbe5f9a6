/**
 * Pages for the consent tests (issue 22): a plain banner, and the four consent tools' stand-ins, each
 * implementing the browser API its vendor documents, driven by the test through `window.__standin`.
 * All scripts are files (the harness's CSP forbids inline script).
 */
import type { Build, Stack } from './harness.js'
import { WRITE_KEY } from './harness.js'

/** IAB TCF v2.2: `__tcfapi` with addEventListener / removeEventListener / ping, as a CMP implements it. */
const TCF = `(function () {
  var listeners = [], nextId = 1, state = null
  function tcData(id) {
    return { tcString: 'stand-in', tcfPolicyVersion: 4, cmpId: 1, cmpStatus: 'loaded', listenerId: id, gdprApplies: state.gdprApplies,
      eventStatus: state.eventStatus, purpose: { consents: Object.assign({}, state.consents), legitimateInterests: {} }, vendor: { consents: {}, legitimateInterests: {} } }
  }
  window.__tcfapi = function (command, version, callback, parameter) {
    if (command == 'addEventListener') {
      var id = nextId++
      listeners.push({ id: id, callback: callback })
      // A CMP answers a new listener at once once it has TC data, else when it has.
      if (state) callback(tcData(id), true)
    } else if (command == 'removeEventListener') {
      var before = listeners.length
      listeners = listeners.filter(function (listener) { return listener.id !== parameter })
      callback(listeners.length < before)
    } else if (command == 'ping') callback({ gdprApplies: state ? state.gdprApplies : undefined, cmpLoaded: !!state, cmpStatus: state ? 'loaded' : 'stub', apiVersion: '2.2' })
  }
  function emit(next) {
    state = next
    listeners.slice().forEach(function (listener) { listener.callback(tcData(listener.id), true) })
  }
  window.__standin = {
    load: function (consents) { emit({ gdprApplies: true, eventStatus: 'tcloaded', consents: consents }) },
    showUi: function () { emit({ gdprApplies: true, eventStatus: 'cmpuishown', consents: {} }) },
    act: function (consents) { emit({ gdprApplies: true, eventStatus: 'useractioncomplete', consents: consents }) },
    outsideGdpr: function () { emit({ gdprApplies: false, eventStatus: 'tcloaded', consents: {} }) },
    listeners: function () { return listeners.length },
  }
})()
`

/**
 * Google Consent Mode: gtag's snippet (it pushes \`arguments\` objects), and a tag manager that, as
 * gtm.js does, reads the entries already there and wraps \`dataLayer.push\` (returning what the push
 * it wrapped returned).
 */
const CONSENT_MODE = `(function () {
  window.dataLayer = window.dataLayer || []
  window.gtag = function () { dataLayer.push(arguments) }
  var seen = []
  window.__standin = {
    seen: seen,
    loadTagManager: function () {
      dataLayer.forEach(function (entry) { seen.push(entry) })
      var previous = dataLayer.push
      dataLayer.push = function () {
        var result = previous.apply(dataLayer, arguments)
        for (var i = 0; i < arguments.length; i++) seen.push(arguments[i])
        return result
      }
    },
  }
})()
`

/** OneTrust: \`OnetrustActiveGroups\` and the \`OneTrustGroupsUpdated\` event it fires on load and on each change. */
const ONETRUST = `window.__standin = {
  set: function (groups) {
    window.OnetrustActiveGroups = ',' + groups.join(',') + ','
    dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: groups.slice() }))
  },
}
`

/** Cookiebot: \`window.Cookiebot\` with \`consent\`, \`hasResponse\`, and its events on window. */
const COOKIEBOT = `(function () {
  function fire(name) { dispatchEvent(new Event(name)) }
  function answer(statistics, response) {
    window.Cookiebot = { consent: { stamp: '0', necessary: true, preferences: false, statistics: statistics, marketing: false, method: response ? 'explicit' : null },
      consented: statistics, declined: response && !statistics, hasResponse: response, doNotTrack: false }
  }
  window.__standin = {
    load: function () { answer(false, false); fire('CookiebotOnConsentReady') },
    accept: function () { answer(true, true); fire('CookiebotOnConsentReady'); fire('CookiebotOnAccept'); fire('CookiebotOnLoad') },
    decline: function () { answer(false, true); fire('CookiebotOnConsentReady'); fire('CookiebotOnDecline'); fire('CookiebotOnLoad') },
  }
})()
`

/** The plain banner a site writes itself: Accept and Decline call the client, through the loader stub if it has not loaded yet. */
const BANNER = `document.getElementById('accept').addEventListener('click', function () { window.userflux.optIn(); document.getElementById('banner').hidden = true })
document.getElementById('decline').addEventListener('click', function () { window.userflux.optOut(); document.getElementById('banner').hidden = true })
`

export interface Tool {
  name: 'tcf' | 'consent-mode' | 'onetrust' | 'cookiebot'
  /** The npm entry's export. */
  fn: string
  standin: string
  /** Page code: the tool has loaded and the visitor has not answered yet (null: nothing to run). */
  unanswered: string | null
  grant: string
  withdraw: string
  /** Page code: the tool as a returning visitor who said yes finds it when the page loads. */
  returning: string
}

export const TOOLS: Tool[] = [
  {
    name: 'tcf',
    fn: 'tcf',
    standin: TCF,
    unanswered: '__standin.showUi()',
    grant: '__standin.act({ 1: true })',
    withdraw: '__standin.act({ 1: false })',
    returning: '__standin.load({ 1: true })',
  },
  {
    name: 'consent-mode',
    fn: 'consentMode',
    standin: CONSENT_MODE,
    unanswered: "gtag('consent', 'default', { analytics_storage: 'denied', ad_storage: 'denied', wait_for_update: 500 })",
    grant: "gtag('consent', 'update', { analytics_storage: 'granted' })",
    withdraw: "gtag('consent', 'update', { analytics_storage: 'denied' })",
    returning: "gtag('consent', 'default', { analytics_storage: 'denied' }); gtag('consent', 'update', { analytics_storage: 'granted' })",
  },
  {
    name: 'onetrust',
    fn: 'oneTrust',
    standin: ONETRUST,
    unanswered: null,
    grant: "__standin.set(['C0001', 'C0002'])",
    withdraw: "__standin.set(['C0001'])",
    returning: "__standin.set(['C0001', 'C0002'])",
  },
  {
    name: 'cookiebot',
    fn: 'cookiebot',
    standin: COOKIEBOT,
    unanswered: '__standin.load()',
    grant: '__standin.accept()',
    withdraw: '__standin.decline()',
    returning: '__standin.accept()',
  },
]

export interface ConsentPageOptions {
  build: Build
  /** createClient options (ESM) or data-* attributes (script tag). */
  options?: Record<string, unknown>
  /** A tool's stand-in, loaded first. */
  tool?: Tool
  /** Page code run after the stand-in, before the client (the tool's state at load). */
  setup?: string
  /** Attach the tool's adapter: its script tag (before the client's, which loads later) or its npm entry. */
  adapter?: { options?: Record<string, unknown>; attributes?: Record<string, string> }
  /** The loader stub before everything (script tag). */
  stub?: boolean
  /** The plain banner. */
  banner?: boolean
}

// The harness's own import map: the site's CSP allows that inline script by its hash.
const IMPORT_MAP = JSON.stringify({ imports: { 'userflux-snippet': '/dist/index.js', ky: '/vendor/ky/index.js', nanoid: '/vendor/nanoid/index.browser.js' } })
const attributes = (values: Record<string, unknown>) =>
  Object.entries(values)
    .map(([name, value]) => ` data-${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}="${value}"`)
    .join('')

let pages = 0

/** Serves the page on `stack` and returns its URL. */
export function consentPage(stack: Stack, config: ConsentPageOptions): string {
  const id = `/consent/${++pages}`
  const options = { writeKey: WRITE_KEY, endpoint: stack.api.url, flushInterval: 50, ...config.options }
  const script = (name: string, body: string) => (stack.serve(`${id}-${name}.js`, body), `<script src="${id}-${name}.js"></script>`)
  const head: string[] = []
  if (config.stub) head.push('<script src="/stub.js"></script>')
  if (config.tool) head.push(script('standin', config.tool.standin))
  if (config.setup) head.push(script('setup', config.setup))
  if (config.build == 'iife') {
    if (config.tool && config.adapter) head.push(`<script src="/dist/consent-${config.tool.name}.min.js"${attributes(config.adapter.attributes ?? {})}></script>`)
    // Late, so that the adapter above really waits for it.
    head.push(`<script async src="/userflux.min.js?delay=300"${attributes(options)}></script>`)
  } else {
    head.push(`<script type="importmap">${IMPORT_MAP}</script>`)
    const adapter = config.tool && config.adapter
    stack.serve(
      `${id}-boot.js`,
      `import { createClient } from 'userflux-snippet'
${adapter ? `import { ${config.tool!.fn} } from '/dist/consent/${config.tool!.name}.js'` : ''}
window.__ufErrors = []
const client = createClient({ ...${JSON.stringify(options)}, onError: (error) => window.__ufErrors.push({ code: error.code, message: error.message }) })
${adapter ? `window.__dispose = ${config.tool!.fn}(client, ${JSON.stringify(config.adapter!.options ?? {})})` : ''}
window.userflux = client
`,
    )
    head.push(`<script type="module" src="${id}-boot.js"></script>`)
  }
  const body = config.banner
    ? `<div id="banner"><p>We would like to measure how this site is used.</p><button id="accept">Accept</button><button id="decline">Decline</button></div>${script('banner', BANNER)}`
    : ''
  stack.serve(`${id}.html`, `<!doctype html><html><head><meta charset="utf-8"><title>consent</title>${head.join('')}</head><body>${body}</body></html>`)
  return stack.site + id + '.html'
}
