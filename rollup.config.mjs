import resolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'
import { createHash } from 'node:crypto'
import { readFileSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** Prints the Subresource Integrity value of a written file, for the script tag's integrity attribute. */
const printIntegrity = () => ({
  name: 'print-integrity',
  writeBundle(options, bundle) {
    for (const [name, chunk] of Object.entries(bundle)) {
      const hash = createHash('sha384').update(chunk.code).digest('base64')
      console.log(`${name}: integrity="sha384-${hash}"`)
    }
  },
})

/** The loader stub as the README inlines it: the README's `<script>` that sets up window.userflux's buffer. */
const readmeStub = () => /<script>(![^<]*window\.userflux[^<]*)<\/script>/.exec(readFileSync(new URL('./README.md', import.meta.url), 'utf8'))?.[1]

/**
 * Prints the CSP `script-src` hash of the README's inline copy of the loader stub, and warns when that
 * copy is not the built dist/stub.js (tests/unit/stub.test.ts fails then too).
 */
const printStubHash = () => ({
  name: 'print-stub-hash',
  writeBundle(options, bundle) {
    const built = Object.values(bundle)[0].code.trim()
    const inline = readmeStub()
    if (inline != built) this.warn(`README.md's inline loader stub differs from dist/stub.js; paste this into the README:\n<script>${built}</script>`)
    if (inline) console.log(`README loader stub (inline): script-src 'sha256-${createHash('sha256').update(inline).digest('base64')}'`)
    // The README prints the hash for users who never build: say so at once when it goes stale.
    const hash = `'sha256-${createHash('sha256').update(built).digest('base64')}'`
    if (!readFileSync(new URL('./README.md', import.meta.url), 'utf8').includes(hash)) this.warn(`README.md does not print the stub's CSP hash ${hash}: put it next to the stub.`)
  },
})

const minify = terser({
  ecma: 2020,
  // Hoisting measured 40-60 B gzip smaller on this bundle, with the same behaviour.
  // unsafe_arrows only turns function expressions that use neither `this` nor `arguments` into
  // arrows: here the inlined single-use factories, each called at once (never with `new`).
  // unsafe_comps negates `a < b` as `a >= b`, which differs only for NaN: no comparison it rewrites
  // here can meet one (sizes, lengths, indexes, stamps and times validated by isCount). Re-check both
  // (beautified builds with and without, diffed) when a comparison on outside data is added.
  compress: { passes: 3, hoist_funs: true, hoist_vars: true, unsafe_arrows: true, unsafe_comps: true },
  // Internal (non-public) properties of our factories are named with a leading `_` (`_get`, `_add`,
  // `_schedule`…) and shortened like variables: the script tag build has an 8 KiB budget. No browser
  // API, public method, option, wire field or persisted key starts with `_`; ky 1.7.5's private
  // members do (`_options`, `_retry`…, distribution/core/Ky.js), which this catches too: re-check
  // that ky has no public `_` name when upgrading it.
  mangle: { properties: { regex: /^_/ } },
  format: { comments: false },
})

/**
 * Both builds: ky's code paths our transport can never take, taken out of ky's Ky class.
 * transport.ts makes one kind of call: `ky.create({ retry: 0, timeout: false, throwHttpErrors: false,
 * fetch })(url, { method: 'POST', keepalive, headers, body, signal })`, and reads the awaited
 * Response itself. For that call each cut below is dead code:
 * - retry 0: `_retry` ends in a throw of the same error at its first failure (and POST is not one of
 *   ky's retried methods anyway), so it is the call itself;
 * - timeout false: ky calls `options.fetch` directly, never its `timeout` helper;
 * - throwHttpErrors false: no HTTPError; no hooks, prefixUrl, json, searchParams, parseJson,
 *   onDownloadProgress given; no `.json()`/`.text()` shortcut called on the promise;
 * - every option we pass is a ky or Request option, so ky's second argument to fetch (the options it
 *   does not know) is always `{}`; ky's own timeout and throwHttpErrors defaults are never read;
 * - ky's own AbortController only serves its timeout and retries: our signal goes to fetch as given;
 *   the clone kept for a retry is never used; `duplex: 'half'` only matters for a stream body, and
 *   ours is a string (the load-time probe for it goes too);
 * - the input is always a URL string, the method 'POST' (already normalized), the headers a plain
 *   object of strings: ky's input check, method and headers normalization keep them as they are.
 * Every cut must match ky's file exactly once, or the build fails: an upgraded ky is re-checked here.
 * A new option in transport.ts's call must be checked against these cuts.
 */
const KY_CUTS = [
  // The timeout bound check (timeout is false) and afterResponse hooks (none).
  [/if \(typeof ky\._options\.timeout === 'number'[\s\S]*?\n            }\n/, ''],
  [/            for \(const hook of ky\._options\.hooks\.afterResponse\)[\s\S]*?\n            }\n            ky\._decorateResponse\(response\);\n/, ''],
  [/            if \(!response\.ok && ky\._options\.throwHttpErrors\)[\s\S]*?\n            }\n            \/\/ If `onDownloadProgress`[\s\S]*?return ky\._stream[^\n]*\n            }\n/, ''],
  [/        const isRetriableMethod = [\s\S]*?\n        return result;\n/, '        return function_();\n'],
  [/            hooks: mergeHooks\([\s\S]*?options\.hooks\),\n/, ''],
  [/            prefixUrl: String[^\n]*\n            retry: normalizeRetryOptions\(options\.retry\),\n/, ''],
  [/        if \(this\._options\.prefixUrl && [\s\S]*?\n        }\n        if \(supportsAbortController\)/, '        if (supportsAbortController)'],
  [/        if \(this\._options\.json !== undefined\)[\s\S]*?\n        }\n        this\.request = new globalThis\.Request\(this\._input, this\._options\);\n        if \(this\._options\.searchParams\)[\s\S]*?\n        }\n    }\n/, '        this.request = new globalThis.Request(this._input, this._options);\n    }\n'],
  [/    _calculateRetryDelay\(error\)[\s\S]*?\n    async _fetch\(\) {\n        for \(const hook of this\._options\.hooks\.beforeRequest\)[\s\S]*?\n        }\n/, '    async _fetch() {\n'],
  [/    abortController;\n    _retryCount = 0;\n/, ''],
  [/            throwHttpErrors: options\.throwHttpErrors !== false,\n            timeout: options\.timeout \?\? 10_000,\n/, ''],
  [/        if \(supportsAbortController\) {[\s\S]*?\n        }\n        if \(supportsRequestStreams\) {[\s\S]*?\n        }\n/, ''],
  [/        const mainRequest = this\.request;\n        this\.request = mainRequest\.clone\(\);\n/, '        const mainRequest = this.request;\n'],
  [/            headers: mergeHeaders\(this\._input\.headers, options\.headers\),\n            method: normalizeRequestMethod\(options\.method \?\? this\._input\.method \?\? 'GET'\),\n/, '            headers: new globalThis.Headers(options.headers),\n'],
  [/        if \(typeof this\._input !== 'string' && [\s\S]*?\n        }\n/, ''],
  [/findUnknownOptions\(this\.request, this\._options\)/, '{}'],
  [/        if \(this\._options\.timeout === false\) {\n            return (this\._options\.fetch\(mainRequest, nonRequestOptions\));\n        }\n        return timeout\([^\n]*\n    }\n[\s\S]*\n}\n/, '        return $1;\n    }\n}\n'],
]

/**
 * Both builds: ky's `Ky` class instead of its default export. The default export's
 * instance machinery (a function per HTTP method, `extend`, merging defaults deeply) is about 115 B
 * gzip we never use: transport.ts only calls `ky.create(defaults)(url, init)`, which this provides
 * with a shallow merge (our defaults hold no headers or hooks). It reaches past ky's exports map to
 * a file of its distribution, so it is tied to ky 1.7's layout: the build fails if that file moves,
 * and the e2e tests of the script tag build prove the result on every run.
 *
 * Ky.js is found as Node finds `ky` from here (a workspace may hoist it out of our node_modules),
 * then by its real path: rollup names modules by their real path, so behind a symlinked
 * node_modules (pnpm's store, a workspace link) a path through the link would match no module and
 * no cut would apply. The build fails if the virtual module was used and Ky.js was never cut.
 */
const kyClassPath = () => {
  try {
    return realpathSync(join(dirname(fileURLToPath(import.meta.resolve('ky'))), 'core/Ky.js'))
  } catch (error) {
    throw new Error(`rollup.config.mjs: ky's distribution/core/Ky.js not found (${error.message}); KY_CUTS cannot apply`)
  }
}
const realpath = (id) => {
  try {
    return realpathSync(id)
  } catch {
    return id
  }
}
export const kyClassOnly = (kyClass = kyClassPath()) => {
  let cut = false
  return {
    name: 'ky-class-only',
    buildStart() {
      cut = false
    },
    resolveId: (id, importer) => (id == 'ky' && importer && !importer.includes('node_modules') ? '\0ky-class-only' : null),
    load: (id) =>
      id == '\0ky-class-only'
        ? `import { Ky } from ${JSON.stringify(kyClass)}
export default { create: (defaults) => (input, options) => Ky.create(input, { ...defaults, ...options }) }`
        : null,
    transform(code, id) {
      if (id[0] == '\0' || realpath(id.split('?')[0]) != kyClass) return null
      for (const [pattern, replacement] of KY_CUTS) {
        if (code.match(new RegExp(pattern, 'g'))?.length != 1) this.error(`ky's Ky.js changed: re-check the cut ${pattern}`)
        code = code.replace(pattern, replacement)
      }
      cut = true
      return { code, map: null }
    },
    buildEnd(error) {
      if (!error && this.getModuleInfo('\0ky-class-only') && !cut) this.error(`KY_CUTS applied to no module: ${kyClass} was not in the build (a symlink or a moved ky?)`)
    },
  }
}

/**
 * ESM build only: internal `_` names shortened as in the script tag (an app's bundler keeps property
 * names whole), and compressed with the script tag's options (the comparisons and arrows they rewrite
 * are the same source's), but beautified, with function and class names kept: stack traces an app's
 * developer reads name our functions. Measured on an app bundling `import { createClient }` with
 * rollup + terser (bench/size.mjs): mangling saved about 200 B gzip, compressing here 30 B more.
 */
const mangleInternals = terser({
  ecma: 2020,
  compress: { passes: 3, hoist_funs: true, hoist_vars: true, unsafe_arrows: true, unsafe_comps: true, keep_fnames: true, keep_classnames: true },
  mangle: { keep_fnames: true, keep_classnames: true, properties: { regex: /^_/ } },
  format: { comments: false, beautify: true },
})

/** Script tag build only: src/core/build.ts's SCRIPT_TAG is true there, so ESM-only code drops out. */
const BUILD_FLAG = new URL('src/core/build.ts', import.meta.url).pathname
const scriptTagFlag = () => ({
  name: 'script-tag-flag',
  load: (id) => (id == BUILD_FLAG ? 'export const SCRIPT_TAG = true' : null),
})

/** The core entry (src/index.ts, imported as ../index.js), which the React binding imports from dist/index.js, not a copy. */
const CORE = new URL('src/index', import.meta.url).pathname
const isCore = (id) => id == '../index.js' || id == CORE + '.ts' || id == CORE + '.js'
/**
 * Issue 22: the consent tools' adapters, never in the core script tag. For npm, one ESM entry each
 * (dist/consent/<name>.js, sharing a small chunk; their declarations come with the first build's);
 * for the script tag, one small file each (dist/consent-<name>.min.js) that attaches to
 * window.userflux. They use no internal `_` names. TypeScript is only stripped here (`npm run
 * typecheck` and the first build check these files): five more full compiles would double the build.
 */
function consentBuilds() {
  const stripTypes = () => ({
    name: 'strip-types',
    resolveId: (id, importer) => (importer && id.startsWith('.') && id.endsWith('.js') ? new URL(id.replace(/\.js$/, '.ts'), 'file://' + importer).pathname : null),
    transform: (code, id) => (id.endsWith('.ts') ? ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext } }).outputText : null),
  })
  const names = ['tcf', 'consent-mode', 'onetrust', 'cookiebot']
  return [
    {
      input: names.map((name) => `src/consent/${name}.ts`),
      output: { dir: 'dist', format: 'es', entryFileNames: 'consent/[name].js', chunkFileNames: 'consent/[name].js' },
      plugins: [stripTypes()],
    },
    ...names.map((name) => ({
      input: `src/consent/tag-${name}.ts`,
      output: { file: `dist/consent-${name}.min.js`, format: 'iife' },
      plugins: [stripTypes(), terser({ ecma: 2020, compress: { passes: 3 }, format: { comments: false } })],
    })),
  ]
}

const builds = [
  // For bundlers: the part of ky our call uses goes in (KY_CUTS), as in the script tag. On f12cb4f's
  // code an app that bundles createClient measured 7,857 B gzip this way, against 10,698 B with ky
  // 1.7.5 whole (the lockfile's), 12,112 B with ky 1.14 (a fresh install on Node 20) and 15,836 B with
  // ky 2 (Node 22+), tests/package/app-cost.mjs. An app with its own ky then pays that part twice, yet
  // adds less for us (7,212 B gzip beside its ky 1.7.5) than our unmangled code alone did (7,623 B).
  // nanoid stays an import: an app that has it pays for it once.
  {
    input: 'src/index.ts',
    external: ['nanoid'],
    output: { file: 'dist/index.js', format: 'es' },
    // resolve() reads ky's package.json, whose `"sideEffects": false` lets rollup drop what our call
    // never uses (its load-time probe for request streams: a Request and a ReadableStream made on
    // every page load, and about 130 B gzip), as the script tag build always did.
    plugins: [kyClassOnly(), resolve(), typescript({ noEmitOnError: true, declaration: true, declarationDir: 'dist', outDir: 'dist', exclude: ['src/iife.ts'] }), mangleInternals],
  },
  // For the script tag: everything in one file, with nanoid's browser build.
  {
    input: 'src/iife.ts',
    output: { file: 'dist/userflux.min.js', format: 'iife' },
    plugins: [scriptTagFlag(), kyClassOnly(), resolve({ browser: true }), typescript({ noEmitOnError: true, declaration: false, outDir: 'dist' }), minify, printIntegrity()],
  },
  // The loader stub, hand-written ES5, minified: dist/stub.js and the README's inline copy.
  {
    input: 'src/stub.js',
    output: { file: 'dist/stub.js', format: 'iife', strict: false },
    plugins: [terser({ ecma: 5, compress: { passes: 3 }, format: { comments: false } }), printStubHash()],
  },
  // userflux-snippet/server (SPEC §12), for servers and edge runtimes: not minified (no size budget
  // there, and a server's stack traces should read), declarations in dist/server/ (the plugin's include is relative to tsconfig's rootDir, src).
  {
    input: 'src/server/index.ts',
    output: { file: 'dist/server.js', format: 'es' },
    plugins: [typescript({ noEmitOnError: true, declaration: true, declarationDir: 'dist', outDir: 'dist', include: ['server/*.ts'] })],
  },
  // What package.json's "browser" condition gives for userflux-snippet/server: a module that throws.
  {
    input: 'src/server/browser.ts',
    output: { file: 'dist/server.browser.js', format: 'es' },
    plugins: [typescript({ noEmitOnError: true, declaration: false, outDir: 'dist' })],
  },
  ...consentBuilds(),
  // userflux-snippet/react: React and the core entry stay imports (the app's React; the one client
  // registry of dist/index.js); 'use client' so that Next.js's server components can render its
  // provider. Its declarations come from the first build (dist/react/*.d.ts).
  {
    input: 'src/react/index.ts',
    external: (id) => /^react(\/|$)/.test(id) || isCore(id),
    output: { file: 'dist/react.js', format: 'es', banner: "'use client'", paths: (id) => (isCore(id) ? './index.js' : id) },
    plugins: [typescript({ noEmitOnError: true, declaration: false, outDir: 'dist' })],
  },
]

// UF_BUILD=stub (or any part of an input's path) builds only that one, e.g. for a test.
export default process.env.UF_BUILD ? builds.filter((build) => build.input.includes(process.env.UF_BUILD)) : builds
