// What an npm app pays for the package: the tarball installed into a fresh app (with `extra`
// packages of the app's own, e.g. the lockfile's ky), a one-line app bundled for the browser by
// rollup with node-resolve and minified by terser, as an app build would; gzip -9 and brotli 11.
// Used by check-package.mjs, which checks it against the script tag's size. Run directly to print
// the figures for the three dependency sets: node tests/package/app-cost.mjs
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const fromRoot = createRequire(join(root, 'package.json'))
const importFromRoot = (name) => import(pathToFileURL(fromRoot.resolve(name)).href)
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } })

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages
/** The dependency sets an app meets: the lockfile's; a fresh install on this Node; ky 2 (Node 22+'s). */
export const DEPENDENCY_SETS = {
  "the lockfile's": ['ky', 'nanoid'].filter((name) => lock[`node_modules/${name}`]).map((name) => `${name}@${lock[`node_modules/${name}`].version}`),
  [`a fresh install on Node ${process.versions.node.split('.')[0]}`]: [],
  'a fresh install on Node 22+ (ky 2, nanoid 6)': ['ky@2', 'nanoid@6'],
}

export const sizesOf = (code) => ({
  min: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
})

/** Bundles `import { createClient } from 'userflux-snippet'` in the app at `dir`: its code and modules. */
export async function bundleApp(dir, app = "import { createClient } from 'userflux-snippet'\nwindow.uf = createClient({ writeKey: 'k' })\n") {
  writeFileSync(join(dir, 'cost-entry.js'), app)
  const { rollup } = await importFromRoot('rollup')
  const { nodeResolve } = await importFromRoot('@rollup/plugin-node-resolve')
  const { default: terser } = await importFromRoot('@rollup/plugin-terser')
  const bundle = await rollup({ input: join(dir, 'cost-entry.js'), plugins: [nodeResolve({ browser: true })], onwarn: () => {} })
  const { output } = await bundle.generate({ format: 'iife', plugins: [terser()] })
  await bundle.close()
  return { code: output[0].code, modules: Object.keys(output[0].modules) }
}

/** Installs `tarball` with `extra` into a new app under `parent`; → versions installed and bundle sizes. */
export async function appCost(parent, tarball, extra) {
  const dir = mkdtempSync(join(parent, 'app-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  // --engine-strict=false: ky 2 asks for Node 22 while this machine may run Node 20; it runs in the browser.
  npm(['install', '--no-audit', '--no-fund', '--no-package-lock', '--engine-strict=false', tarball, ...extra], dir)
  const versions = {}
  for (const name of ['ky', 'nanoid']) {
    try {
      versions[name] = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version
    } catch {
      versions[name] = 'not installed'
    }
  }
  const { code, modules } = await bundleApp(dir)
  return { dir, versions, modules, ...sizesOf(code) }
}

if (import.meta.url == pathToFileURL(process.argv[1]).href) {
  const tmp = mkdtempSync(join(tmpdir(), 'userflux-app-cost-'))
  try {
    const [{ filename }] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root))
    const script = sizesOf(readFileSync(join(root, 'dist/userflux.min.js'), 'utf8'))
    console.log(`script tag dist/userflux.min.js: ${script.min} B min, ${script.gzip} B gzip, ${script.brotli} B brotli`)
    for (const [name, extra] of Object.entries(DEPENDENCY_SETS)) {
      const cost = await appCost(tmp, join(tmp, filename), extra)
      const bundled = (dep) => cost.modules.some((id) => id.includes(`/node_modules/${dep}/`))
      console.log(`an npm app, ${name} (ky ${cost.versions.ky}${bundled('ky') ? '' : ', not in the bundle'}, nanoid ${cost.versions.nanoid}): ${cost.min} B min, ${cost.gzip} B gzip, ${cost.brotli} B brotli`)
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
