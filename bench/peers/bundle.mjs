// Each peer SDK bundled as an app would ship it: its documented import, bundled for the browser with
// rolldown, minified, in one file (code-split chunks inlined: they load anyway on these workloads).
import { existsSync, readFileSync } from 'node:fs'
import { rolldown } from 'rolldown'

const here = new URL('./', import.meta.url).pathname

// settleMs: how long the sink must hear nothing before a sample ends: twice the SDK's default flush
// interval and a second (posthog-js 3 s, Amplitude 1 s, Mixpanel's batches 5 s; Segment sends at
// once), since a loaded machine stretches the gaps between an SDK's batches.
export const PEERS = {
  'posthog-js': { entry: 'posthog.js', settleMs: 7000 },
  '@segment/analytics-next': { entry: 'segment.js', settleMs: 2000 },
  '@amplitude/analytics-browser': { entry: 'amplitude.js', settleMs: 3000 },
  'mixpanel-browser': { entry: 'mixpanel.js', settleMs: 11_000 },
  // UserFlux's SDK sends each identify at once; measured only where it is installed (see its entry).
  '@userflux/browser-js': { entry: 'userflux-browser-js.js', settleMs: 2000, optional: true },
}

/** The peers to measure: all but an optional one that is not installed. */
export const installedPeers = () => Object.keys(PEERS).filter((name) => !PEERS[name].optional || existsSync(`${here}node_modules/${name}/package.json`))

export const versionOf = (name) => JSON.parse(readFileSync(`${here}node_modules/${name}/package.json`, 'utf8')).version

export async function bundlePeer(name) {
  const build = await rolldown({ input: here + 'entries/' + PEERS[name].entry, platform: 'browser', logLevel: 'silent', transform: { define: { 'process.env.NODE_ENV': '"production"' } } })
  const { output } = await build.generate({ format: 'iife', minify: true, codeSplitting: false })
  await build.close()
  return output[0].code
}
