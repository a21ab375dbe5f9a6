// The script tag build's cuts out of ky (KY_CUTS in rollup.config.mjs) apply however node_modules is
// laid out, and the build fails loudly when one cannot. The repository's sources are copied into a
// temporary directory (rollup.config.mjs too: it finds ky from its own location) and built with:
//   1. node_modules a symlink to the repository's (a workspace link): the cuts apply;
//   2. node_modules a directory of symlinks, ky's pointing into a store outside it (pnpm): they apply;
//   3. as 2, with a Ky.js one cut no longer matches (an upgraded ky): the build fails, naming the cut.
// "The cuts apply" is read in the output: code only ky's cut paths hold (its Retry-After parsing, its
// afterResponse hooks, its timeout error) is absent. Run: node tests/package/ky-cuts.mjs
// KY_CUTS_CONFIG=<file>: test another rollup.config.mjs instead (an older one, to see this test fail).
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const modules = join(root, 'node_modules')
const tmp = mkdtempSync(join(tmpdir(), 'userflux-ky-cuts-'))
// Strings of ky's that only its cut code paths hold.
const CUT_ONLY = ['Retry-After', 'afterResponse', 'timed out']
const failures = []

/** A copy of what the build reads, with node_modules laid out by `layout(dir)`. */
function project(name, layout) {
  const dir = join(tmp, name)
  mkdirSync(dir)
  for (const file of ['src', 'rollup.config.mjs', 'tsconfig.json', 'package.json', 'README.md']) cpSync(resolve(root, process.env.KY_CUTS_CONFIG && file == 'rollup.config.mjs' ? process.env.KY_CUTS_CONFIG : file), join(dir, file), { recursive: true })
  layout(dir)
  return dir
}

/** Builds the script tag build in `dir`: its output, or the build's error output. */
function build(dir) {
  try {
    execFileSync(process.execPath, [join(modules, 'rollup/dist/bin/rollup'), '-c'], { cwd: dir, env: { ...process.env, UF_BUILD: 'iife' }, stdio: 'pipe', encoding: 'utf8' })
    return { code: readFileSync(join(dir, 'dist/userflux.min.js'), 'utf8') }
  } catch (error) {
    return { error: `${error.stdout}\n${error.stderr}` }
  }
}

function expectCut(name, dir) {
  const { code, error } = build(dir)
  if (error) return failures.push(`${name}: the build failed:\n${error.trim().split('\n').slice(0, 6).join('\n')}`)
  const left = CUT_ONLY.filter((marker) => code.includes(marker))
  if (left.length) failures.push(`${name}: ky's cut code is in the bundle (${left.join(', ')}): KY_CUTS did not apply`)
}

/** node_modules as a directory of symlinks to the repository's packages, ky's to `ky`. */
const linkEach = (ky) => (dir) => {
  mkdirSync(join(dir, 'node_modules'))
  for (const entry of readdirSync(modules)) if (entry != 'ky') symlinkSync(join(modules, entry), join(dir, 'node_modules', entry))
  symlinkSync(ky, join(dir, 'node_modules/ky'))
}

try {
  expectCut('node_modules a symlink', project('linked', (dir) => symlinkSync(modules, join(dir, 'node_modules'))))

  const store = join(tmp, 'store/ky@1')
  cpSync(join(modules, 'ky'), store, { recursive: true })
  expectCut('ky a symlink into a store (pnpm)', project('pnpm', linkEach(store)))

  const changed = join(tmp, 'store/ky@changed')
  cpSync(join(modules, 'ky'), changed, { recursive: true })
  const kyClass = join(changed, 'distribution/core/Ky.js')
  // A ky that no longer has this field: the cut that removes it matches nothing.
  writeFileSync(kyClass, readFileSync(kyClass, 'utf8').replace('    _retryCount = 0;\n', '    _retries = 0;\n'))
  const { error } = build(project('pnpm-changed-ky', linkEach(changed)))
  if (!error) failures.push('a Ky.js a cut no longer matches: the build succeeded')
  else if (!/re-check the cut/.test(error)) failures.push(`a Ky.js a cut no longer matches: the build failed without naming the cut:\n${error.trim().slice(0, 400)}`)

  // The ESM build (npm test builds it first): the same cuts, and none of ky's load-time probe for
  // request streams (a Request and a ReadableStream made on every page load), which rollup leaves
  // out only when it reads ky's `"sideEffects": false`.
  const esm = readFileSync(join(root, 'dist/index.js'), 'utf8')
  const inEsm = [...CUT_ONLY, 'empty.invalid'].filter((marker) => esm.includes(marker))
  if (inEsm.length) failures.push(`dist/index.js holds ky code our call never runs (${inEsm.join(', ')})`)
} finally {
  rmSync(tmp, { recursive: true, force: true })
}

if (failures.length) {
  console.error(`ky-cuts: ${failures.length} failure(s)\n` + failures.map((f) => `  - ${f}`).join('\n'))
  process.exit(1)
}
console.log('ky-cuts: ok — the cuts apply behind a symlinked node_modules and a pnpm-style store; a cut that no longer matches fails the build')
