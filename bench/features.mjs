// What each feature of SPEC §8 costs the script tag build: the build again with that feature's
// module replaced by a stub that does nothing, and the difference. Exported for bench/run.mjs;
// run directly (after `npm run build`), it prints the table.
import { rollup } from 'rollup'
import config from '../rollup.config.mjs'
import { measure } from './size.mjs'

const root = new URL('../', import.meta.url).pathname

/** Each feature: the module that holds it, and a stub exporting the same names. */
export const FEATURES = {
  'device data (deviceData)': ['features/device-data.ts', 'export const collectDeviceData = () => ({})'],
  'bot filter (blockBots)': ['features/bots.ts', 'export const isBot = () => false'],
  'cookies across subdomains (cookieDomain)': ['browser/cookies.ts', 'export const withCookies = (s) => s; export const whenVisible = () => {}'],
  'bootstrap id (anonymousId)': ['features/bootstrap.ts', 'export const bootstrapId = () => {}'],
  'first touch (attribution)': ['features/attribution.ts', 'export const firstTouch = () => {}'],
  'external id and when device data goes (enrich)': [
    'features/enrich.ts',
    "import { collectDeviceData } from './device-data.js'; export const createEnrichment = () => ({ _extra: () => ({ deviceData: collectDeviceData() }), _sent() {}, _forget() {} })",
  ],
}

async function build(stub) {
  const [, iife] = config
  let stubbed = false
  const stubPlugin = {
    name: 'stub',
    load: (id) => (stub && id == root + 'src/' + stub[0] ? ((stubbed = true), stub[1]) : null),
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
