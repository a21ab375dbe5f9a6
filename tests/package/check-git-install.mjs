// Checks a git install (issue 24, item 2): `npm install git+file://…` (or a GitHub URL) gets the
// repository, not the tarball, and dist/ is not in git. npm then installs the clone's dev dependencies
// and runs its `prepare` script (the build) before packing it; without one the import fails with
// ERR_MODULE_NOT_FOUND.
// What is installed is the working tree as it is (tracked and new files, not ignored ones, so no dist/
// nor node_modules/), committed into a scratch repository: the check sees uncommitted changes too.
// Run: node tests/package/check-git-install.mjs (part of `npm run test:package`).
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const started = Date.now()
const tmp = mkdtempSync(join(tmpdir(), 'userflux-git-install-'))
const run = (command, args, cwd, env = {}) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false', ...env } })

function finish(problem) {
  rmSync(tmp, { recursive: true, force: true })
  if (!problem) return console.log(`check-git-install: ok — installed from git+file, built by prepare, imports in Node (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  console.error(`check-git-install: ${problem}`)
  process.exit(1)
}

try {
  // The scratch repository: the files git would see in a clone of this tree.
  const repo = join(tmp, 'repo')
  mkdirSync(repo)
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root).split('\0').filter(Boolean)
  for (const file of files) {
    // A file deleted but not yet committed is still listed by --cached.
    if (!existsSync(join(root, file))) continue
    mkdirSync(dirname(join(repo, file)), { recursive: true })
    cpSync(join(root, file), join(repo, file))
  }
  if (existsSync(join(repo, 'dist'))) finish('the scratch repository has a dist/: the check would prove nothing')
  const git = (...args) => run('git', ['-c', 'user.name=check', '-c', 'user.email=check@example.invalid', '-c', 'commit.gpgsign=false', ...args], repo)
  git('init', '-q')
  git('add', '-A')
  git('commit', '-q', '-m', 'snapshot')

  const app = join(tmp, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  // --prefer-offline: the clone's dev dependencies are the repository's, already in npm's cache after
  // its own `npm ci`; not re-validating each with the registry took this check from 151 s to 65 s here.
  try {
    run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', `git+file://${repo}`], app)
  } catch (error) {
    finish(`npm install git+file:// failed:\n${String(error.stderr || error).trim()}`)
  }
  const installed = join(app, 'node_modules/userflux-snippet')
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/userflux.min.js', 'dist/stub.js']) {
    if (!existsSync(join(installed, file))) finish(`the git install has no ${file}: did prepare run the build?`)
  }
  let imported
  try {
    imported = run('node', ['-e', "import('userflux-snippet').then(m => console.log(typeof m.createClient))"], app).trim()
  } catch (error) {
    finish(`import('userflux-snippet') after a git install throws:\n${String(error.stderr || error).trim().split('\n').slice(0, 8).join('\n')}`)
  }
  if (imported != 'function') finish(`import('userflux-snippet') after a git install: createClient is ${imported}, expected function`)
  // Only what the tarball would hold: the clone's dev dependencies and sources stay out of the app.
  if (existsSync(join(installed, 'node_modules')) || existsSync(join(installed, 'src'))) finish('the git install holds node_modules/ or src/: it was not packed')
  finish()
} catch (error) {
  finish(`unexpected: ${error.stderr || error.stack || error}`)
}
