// What each feature of SPEC §8 costs the script tag build: the build again with that feature's
// module replaced by a stub that does nothing, and the difference. Exported for bench/run.mjs;
// run directly (after `npm run build`), it prints the table.
import { readFileSync } from 'node:fs'
import { rollup } from 'rollup'
import ts from 'typescript'
import config from '../rollup.config.mjs'
import { measure } from './size.mjs'

const root = new URL('../', import.meta.url).pathname

/** The declaration of `name` in a module's source, kept in its stub because another feature uses it. */
const keep = (source, name) => {
  const found = new RegExp(`^export const ${name} [\\s\\S]*?\\n}\\n`, 'm').exec(source)
  if (!found) throw new Error(`bench/features.mjs: no export const ${name} to keep`)
  // As JavaScript: a stub is loaded past the TypeScript plugin.
  return ts.transpileModule(found[0], { compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext } }).outputText
}

/**
 * Each feature: the module that holds it, and a stub exporting the same names (or a function of
 * the module's source that answers one).
 */
export const FEATURES = {
  'device data (deviceData)': ['features/device-data.ts', 'export const collectDeviceData = () => ({})'],
  'bot filter (blockBots)': ['features/bots.ts', 'export const isBot = () => false'],
  // readCookies stays: the server cookie (server-cookie.ts) reads with it too.
  'cookies across subdomains (cookieDomain)': ['browser/cookies.ts', (source) => keep(source, 'readCookies') + 'export const withCookies = (s) => s; export const whenVisible = () => {}'],
  'bootstrap id (anonymousId)': ['features/bootstrap.ts', 'export const bootstrapId = () => {}'],
  'first touch (attribution)': ['features/attribution.ts', 'export const firstTouch = () => {}'],
  'external id and when device data goes (enrich)': [
    'features/enrich.ts',
    "import { collectDeviceData } from './device-data.js'; export const createEnrichment = () => ({ _extra: () => ({ deviceData: collectDeviceData() }), _sent() {}, _forget() {} })",
  ],
  // This round's (issue 20 asks for each one's cost). setUser's method itself stays: it is a few
  // lines of client.ts over identify; what it adds of its own is the record of what was queued.
  'setUser: only what changed (unchanged)': ['core/unchanged.ts', 'export const createUnchanged = () => ({ _skipUnchanged: (u, p) => p, _queued() {} })'],
  'subscribe (listeners)': ['core/subscribers.ts', 'export const createSubscribers = () => ({ _subscribe: () => () => {}, _changed() {} })'],
  // Writes go straight to storage: nothing is held while consent is pending.
  'pending consent (held writes)': ['core/consent-hold.ts', 'export const holdWrites = (inner) => ({ ...inner, _release: () => 0 })'],
  'the server cookie (uf-server-anonymousId)': ['browser/server-cookie.ts', 'export const expireServerId = () => {}; export const serverId = () => {}'],
}

async function build(stub) {
  const [, iife] = config
  let stubbed = false
  const stubPlugin = {
    name: 'stub',
    load: (id) => (stub && id == root + 'src/' + stub[0] ? ((stubbed = true), typeof stub[1] == 'function' ? stub[1](readFileSync(id, 'utf8')) : stub[1]) : null),
  }
  const bundle = await rollup({ input: root + iife.input, plugins: [stubPlugin, ...iife.plugins.filter((plugin) => plugin.name != 'print-integrity')], onwarn: () => {} })
  const { output } = await bundle.generate({ format: 'iife' })
  await bundle.close()
  // A module that moved would be stubbed nowhere and its feature measured as 0 B.
  if (stub && !stubbed) throw new Error(`bench/features.mjs: src/${stub[0]} is not in the script tag build`)
  return output[0].code
}

/** gzip and brotli bytes each feature adds to dist/userflux.min.js. */
export async function featureCosts() {
  const full = measure(await build())
  const costs = {}
  for (const [name, stub] of Object.entries(FEATURES)) {
    const without = measure(await build(stub))
    costs[name] = { gzip: full.gzip - without.gzip, brotli: full.brotli - without.brotli }
  }
  return costs
}

if (import.meta.url == `file://${process.argv[1]}`) console.table(await featureCosts())
