// Bundle sizes of the builds, and the size budget CI holds us to. Run after `npm run build`.
// Exported for bench/run.mjs; run directly, it prints the sizes and fails when over budget.
import { readFile } from 'node:fs/promises'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { rollup } from 'rollup'
import resolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'

/**
 * The script tag build, everything included (SPEC §8's enrichment too), gzip -9 and brotli 11.
 * ky's part is only what our call uses (KY_CUTS in rollup.config.mjs).
 */
// Issue 20 asks for 8,192 / 7,424 (or at most 8,448 gzip) with this round's features; with them (the
// security and order fixes, format v1 and its migrations, setUser/subscribe, pending consent, the
// server cookie, and issue 25's second pass: wire marks, identity across tabs, the ledger's bound)
// the bundle is about 11,900 / 10,800 B, and the budget below (12 / 11 KiB) holds that, with room for
// an npm app's two hundred bytes more, against regressions. Issue 20 stays open until the bundle is
// back under the goal.
export const BUDGET = { file: 'dist/userflux.min.js', gzip: 12_800, brotli: 11_648 }

const root = new URL('../', import.meta.url).pathname
const minify = () => terser({ ecma: 2020, compress: { passes: 3 }, format: { comments: false } })

export const measure = (code) => ({
  min: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
})

async function bundle(input, external = []) {
  const build = await rollup({ input, external, plugins: [resolve({ browser: true }), minify()], onwarn: () => {} })
  const { output } = await build.generate({ format: 'es' })
  await build.close()
  return output[0].code
}

/** Sizes of the IIFE, the ESM build (which holds the part of ky it uses) with nanoid and without, and ky whole. */
export async function sizes() {
  const iife = await readFile(root + 'dist/userflux.min.js', 'utf8')
  const esmWithDeps = await bundle(root + 'dist/index.js')
  const esmOwn = await bundle(root + 'dist/index.js', ['nanoid'])
  const ky = await bundle(root + 'bench/entries/ky.js')
  const nanoid = await bundle(root + 'bench/entries/nanoid.js')
  return {
    'dist/userflux.min.js (script tag)': measure(iife),
    'ESM build + nanoid': measure(esmWithDeps),
    'ESM build alone (ours and the part of ky it uses)': measure(esmOwn),
    // What an app importing createClient pays, bundled by rollup from a one-line entry.
    'an SPA: import { createClient } (ESM build + nanoid)': measure(await bundle(root + 'bench/entries/spa.js')),
    'ky whole, for comparison': measure(ky),
    'nanoid (as we use it)': measure(nanoid),
  }
}

export function checkBudget(all) {
  const { gzip, brotli } = all['dist/userflux.min.js (script tag)']
  // An npm app pays no more than the script tag's budget (tests/package/check-package.mjs checks it
  // on installs). Issue 20's goal is the script tag's own size: the npm-only code (one client per
  // page, destroy()) puts an app about 200 B above it today.
  const app = all['an SPA: import { createClient } (ESM build + nanoid)'].gzip
  return {
    ok: gzip <= BUDGET.gzip && brotli <= BUDGET.brotli && app <= BUDGET.gzip,
    message: `${BUDGET.file}: ${gzip} B gzip, budget ${BUDGET.gzip} B (${BUDGET.gzip - gzip} B to spare); ${brotli} B brotli, budget ${BUDGET.brotli} B (${BUDGET.brotli - brotli} B to spare); an app importing createClient ${app} B gzip (${app - gzip} B more than the script tag), at most the script tag's budget (${BUDGET.gzip - app} B to spare)`,
  }
}

/**
 * The README's figures against the build (issue 24: they cannot go stale): its Cost table's rows for
 * the script tag and the npm app, and the intro's two gzip figures. Answers what differs.
 */
/** Writes the measured figures into the README's Cost rows and intro (`--write-readme`). */
async function writeReadme(all) {
  const { writeFile } = await import('node:fs/promises')
  const fmt = (n) => n.toLocaleString('en-US')
  let readme = await readFile(root + 'README.md', 'utf8')
  const tag = all['dist/userflux.min.js (script tag)']
  const app = all['an SPA: import { createClient } (ESM build + nanoid)']
  for (const [label, { min, gzip, brotli }] of [['a script tag', tag], ['an npm app', app]]) {
    readme = readme.replace(new RegExp(`^(\\| ${label} \\|.*\\| )[\\d,]+ \\| \\*\\*[\\d,]+\\*\\* \\| [\\d,]+ \\|$`, 'm'), `$1${fmt(min)} | **${fmt(gzip)}** | ${fmt(brotli)} |`)
  }
  readme = readme.replace(/pays \*\*[\d,]+ B gzip\*\*/, `pays **${fmt(tag.gzip)} B gzip**`).replace(/(createClient` pays )[\d,]+ B/, `$1${fmt(app.gzip)} B`)
  await writeFile(root + 'README.md', readme)
}

export async function checkReadme(all) {
  const readme = await readFile(root + 'README.md', 'utf8')
  const fmt = (n) => n.toLocaleString('en-US')
  const problems = []
  for (const [label, key] of [['a script tag', 'dist/userflux.min.js (script tag)'], ['an npm app', 'an SPA: import { createClient } (ESM build + nanoid)']]) {
    const { min, gzip, brotli } = all[key]
    const row = readme.split('\n').find((line) => line.startsWith(`| ${label} |`))
    const expected = `| ${fmt(min)} | **${fmt(gzip)}** | ${fmt(brotli)} |`
    if (!row?.endsWith(expected)) problems.push(`README's "${label}" row should end with ${expected}: ${row}`)
    const intro = label == 'a script tag' ? `pays **${fmt(gzip)} B gzip**` : `pays ${fmt(gzip)} B`
    if (!readme.slice(0, readme.indexOf('## Contents')).replace(/\s+/g, ' ').includes(intro)) problems.push(`README's intro should say ${label} ${intro}`)
  }
  return problems
}

if (import.meta.url == `file://${process.argv[1]}`) {
  const all = await sizes()
  console.table(all)
  const { ok, message } = checkBudget(all)
  console.log((ok ? 'size budget ok: ' : 'SIZE BUDGET EXCEEDED: ') + message)
  if (process.argv.includes('--write-readme')) await writeReadme(all)
  const stale = await checkReadme(all)
  for (const problem of stale) console.log('README FIGURE STALE: ' + problem + ' (node bench/size.mjs --write-readme writes them)')
  process.exit(ok && !stale.length ? 0 : 1)
}
