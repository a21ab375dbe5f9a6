// Checks the package as npm would publish it, and as a user would install it:
//   1. the tarball holds only package.json, README, LICENSE, CHANGELOG and dist/, with the three builds;
//   2. publint finds no error and no warning;
//   3. installed from the tarball into a fresh project: it imports in Node (no window), a client works
//      there, its types resolve for TypeScript users, and rollup with node-resolve bundles it.
// Run after `npm run build`: node tests/package/check-package.mjs
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
// Tools come from the repository's own node_modules, whatever the working directory.
const fromRoot = createRequire(join(root, 'package.json'))
const importFromRoot = (name) => import(pathToFileURL(fromRoot.resolve(name)).href)

const started = Date.now()
const tmp = mkdtempSync(join(tmpdir(), 'userflux-package-'))
const failures = []
const fail = (message) => failures.push(message)

const run = (command, args, cwd, input) =>
  execFileSync(command, args, { cwd, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } })
const npm = (args, cwd = root) => run('npm', args, cwd)

function exitWith(error) {
  rmSync(tmp, { recursive: true, force: true })
  if (error) failures.push(`unexpected: ${error.stderr || error.stack || error}`)
  console.error(`check-package: ${failures.length} failure(s)\n` + failures.map((f) => `  - ${f}`).join('\n'))
  process.exit(1)
}

try {
  // --- 1. what the tarball holds ------------------------------------------------------------------
  const required = ['dist/index.js', 'dist/index.d.ts', 'dist/userflux.min.js']
  const missing = required.filter((file) => !existsSync(join(root, file)))
  if (missing.length) {
    fail(`${missing.join(', ')} missing: run \`npm run build\` first`)
    exitWith()
  }

  const [dry] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts']))
  const packed = dry.files.map((file) => file.path)
  const allowed = (path) =>
    path == 'package.json' ||
    /^(README|LICEN[CS]E|CHANGELOG)(\.md)?$/i.test(path) ||
    /^dist\/.+\.(js|d\.ts)$/.test(path)
  const unexpected = packed.filter((path) => !allowed(path))
  if (unexpected.length) fail(`tarball holds files it should not: ${unexpected.join(', ')}`)
  for (const file of required) if (!packed.includes(file)) fail(`tarball lacks ${file}`)
  if (!packed.some((path) => /^README/i.test(path))) fail('tarball lacks README.md')
  if (existsSync(join(root, 'LICENSE')) && !packed.includes('LICENSE')) fail('tarball lacks LICENSE')

  // --- the real tarball ---------------------------------------------------------------------------
  const [{ filename }] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp]))
  const tarball = join(tmp, filename)

  // --- 2. publint -----------------------------------------------------------------------------------
  const { publint } = await importFromRoot('publint')
  const { formatMessage } = await importFromRoot('publint/utils')
  // publint packs with npm itself: then it can also tell files that exist but are not published.
  const lint = await publint({ pkgDir: root, pack: 'npm' })
  for (const message of lint.messages) {
    const text = `publint ${message.type} ${message.code}: ${formatMessage(message, lint.pkg, { color: false }) ?? ''}`
    if (message.type == 'suggestion') console.log(`check-package: ${text}`)
    else fail(text)
  }

  // --- 3. installed into a fresh project ----------------------------------------------------------
  const app = join(tmp, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  npm(['install', '--no-audit', '--no-fund', '--no-package-lock', tarball], app)

  // Import in Node, where there is no window, document, localStorage nor navigator.locks.
  const firstLines = (error) => String(error.stderr || error).trim().split('\n').slice(0, 8).join('\n    ')
  try {
    const imported = run('node', ['-e', "import('userflux-snippet').then(m => console.log(typeof m.createClient))"], app).trim()
    if (imported != 'function') fail(`import('userflux-snippet') in Node: createClient is ${imported}, expected function`)
  } catch (error) {
    fail(`import('userflux-snippet') throws in Node (no window):\n    ${firstLines(error)}`)
  }

  // A client in Node: memory storage, a fake fetch; one update goes out as the API expects it.
  const script = `
    import { createClient, UserFluxError } from 'userflux-snippet'
    const sent = []
    // ky calls fetch with a Request; the exit path with (url, init).
    const fetch = async (input, init) => {
      const request = new Request(input, init)
      sent.push({ url: request.url, body: await request.text() })
      return new Response(null, { status: 204 })
    }
    const uf = createClient({ writeKey: 'k', storage: 'memory', fetch })
    if (typeof uf.anonymousId != 'string' || !uf.anonymousId) throw new Error('no anonymousId')
    uf.identify('user-42', { plan: 'pro' })
    uf.updateProfile({ theme: 'dark' })
    const result = await uf.flush()
    if (!result.ok) throw result.error
    if (sent.length != 1) throw new Error(sent.length + ' requests, expected 1')
    const body = JSON.parse(sent[0].body)
    if (!sent[0].url.endsWith('/profile?locationEnrichment=false') || body.userId != 'user-42' ||
        body.anonymousId != uf.anonymousId || body.properties.plan != 'pro' || body.properties.theme != 'dark')
      throw new Error('unexpected request: ' + JSON.stringify(sent[0]))
    uf.reset()
    if (uf.userId !== null) throw new Error('userId after reset: ' + uf.userId)
    if (!(new UserFluxError('rejected', 'x') instanceof Error)) throw new Error('UserFluxError is not an Error')
    console.log('ok')
  `
  try {
    run('node', ['--input-type=module', '-'], app, script)
  } catch (error) {
    fail(`createClient({ writeKey: 'k', storage: 'memory' }) in Node:\n    ${firstLines(error)}`)
  }

  // The script-tag build is reachable through its export, as a CDN or a copy step would use it.
  try {
    createRequire(join(app, 'package.json')).resolve('userflux-snippet/userflux.min.js')
  } catch (error) {
    fail(`userflux-snippet/userflux.min.js does not resolve: ${error.message}`)
  }

  // TypeScript users: the types resolve under Node's ESM resolution (the strictest) and compile.
  writeFileSync(
    join(app, 'consumer.ts'),
    `import { createClient, UserFluxError, type FlushResult } from 'userflux-snippet'
const uf = createClient<{ plan: 'pro' | 'free' }>({ writeKey: 'k', onError: (error: UserFluxError) => error.code })
uf.identify('user-42', { plan: 'pro' })
const result: Promise<FlushResult> = uf.flush()
export { result }
`,
  )
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, types: [] }, files: ['consumer.ts'] }),
  )
  try {
    run('node', [fromRoot.resolve('typescript/bin/tsc'), '-p', app], app)
  } catch (error) {
    fail(`TypeScript (NodeNext) cannot use the installed package:\n    ${String(error.stdout || error).trim().split('\n').join('\n    ')}`)
  }

  // Bundlers: rollup + node-resolve (browser conditions, as an app build would) resolves the package
  // and its dependencies, and keeps createClient.
  const { rollup } = await importFromRoot('rollup')
  const { nodeResolve } = await importFromRoot('@rollup/plugin-node-resolve')
  writeFileSync(join(app, 'entry.js'), "import { createClient } from 'userflux-snippet'\nexport const client = createClient\n")
  const warnings = []
  let code = ''
  try {
    const bundle = await rollup({ input: join(app, 'entry.js'), plugins: [nodeResolve({ browser: true })], onwarn: (w) => warnings.push(w) })
    const { output } = await bundle.generate({ format: 'es' })
    await bundle.close()
    code = output[0].code
    const modules = Object.keys(output[0].modules).map((id) => id.replace(/\\/g, '/'))
    for (const dep of ['userflux-snippet/dist/index.js', '/ky/', '/nanoid/']) {
      if (!modules.some((id) => id.includes(dep))) fail(`rollup bundle does not include ${dep}`)
    }
  } catch (error) {
    fail(`rollup cannot bundle \`import { createClient } from 'userflux-snippet'\`: ${error.message}`)
  }
  const unresolved = warnings.filter((w) => w.code == 'UNRESOLVED_IMPORT')
  if (unresolved.length) fail(`rollup could not resolve: ${unresolved.map((w) => w.exporter || w.message).join(', ')}`)
  if (code && !/function createClient\b/.test(code)) fail('rollup bundle lacks createClient')

  if (failures.length) exitWith()
  rmSync(tmp, { recursive: true, force: true })
  const kib = (bytes) => (bytes / 1024).toFixed(1) + ' KiB'
  console.log(
    `check-package: ok — ${pkg.name}@${pkg.version}, ${packed.length} files, ${kib(dry.size)} packed; ` +
      `publint clean; imports and runs in Node; types resolve (NodeNext); rollup bundle ${kib(code.length)} ` +
      `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
  )
} catch (error) {
  exitWith(error)
}
