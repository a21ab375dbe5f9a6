/**
 * Durable storage of the profiles in `dataDir`: an append-only log of accepted updates plus a snapshot.
 *
 *   snapshot-<g>.jsonl  the whole store as it was when log-<g> began: a header line, then one line per
 *                       profile or link. Written to a temp file, fsynced, renamed (atomic), dir fsynced.
 *   log-<g>.jsonl       one JSON line per accepted update (`{"op":"update",...}`) or reset (`{"op":"clear"}`),
 *                       appended and fdatasynced before the request is answered (see log-writer.js).
 *
 * Recovery: the newest snapshot that reads whole, then every log from its generation on, replayed in
 * order through the same store code (each line carries its time and the request's derived data, so the
 * replay rebuilds the same profiles). A torn last line (a crash mid-append; never acknowledged) is
 * skipped. Compaction: once the current log outgrows both `compactBytes` and the last snapshot, a new
 * log generation starts and a snapshot of that instant is written in the background, chunk by chunk, so
 * a write costs its own line and compaction is amortised over the updates that made the log grow.
 * A `profiles.json` of earlier versions is read as the first snapshot.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createLogWriter, fileIo } from './log-writer.js'
import { isPlainObject } from './validate.js'

export const LEGACY_FILE = 'profiles.json'
const HEADER = JSON.stringify({ format: 'userflux-local-snapshot', version: 1 })
const CHUNK_CHARS = 1 << 20
const generationOf = (name, kind) => {
  const match = new RegExp(`^${kind}-(\\d+)\\.jsonl$`).exec(name)
  return match ? Number(match[1]) : undefined
}
const snapshotName = (gen) => `snapshot-${gen}.jsonl`
const logName = (gen) => `log-${gen}.jsonl`

const PROFILE_FIELDS = ['anonymousIds', 'properties', 'computedProperties', 'segments', 'locationData', 'deviceData', 'lastUpdatedAt', 'createdAt']
const isProfile = (value) => isPlainObject(value) && PROFILE_FIELDS.every((field) => Object.hasOwn(value, field)) && Array.isArray(value.anonymousIds) && isPlainObject(value.properties)

/** Whether parsed JSON has the shape of a legacy profiles.json; anything else is treated as corrupt. */
export function isStoreState(value) {
  return (
    isPlainObject(value) &&
    [value.users, value.anonymous, value.links].every(isPlainObject) &&
    Object.values(value.users).every(isProfile) &&
    Object.values(value.anonymous).every(isProfile) &&
    Object.values(value.links).every((userId) => typeof userId == 'string')
  )
}

/** Null-prototype maps, so an id such as "__proto__" stays an ordinary key. */
const emptyState = () => ({ users: Object.create(null), anonymous: Object.create(null), links: Object.create(null) })

/** Parses a snapshot; throws when it is not whole. */
function parseSnapshot(text) {
  const lines = text.split('\n')
  if (lines[0] != HEADER || lines.at(-1) != '') throw new Error('not a whole snapshot')
  const state = emptyState()
  for (let i = 1; i < lines.length - 1; i++) {
    const [kind, id, value] = JSON.parse(lines[i])
    if (kind == 'u' && isProfile(value)) state.users[id] = value
    else if (kind == 'a' && isProfile(value)) state.anonymous[id] = value
    else if (kind == 'l' && typeof value == 'string') state.links[id] = value
    else throw new Error(`bad line ${i + 1}`)
  }
  return state
}

/** Snapshot text, in chunks (so a large store is written a piece at a time). */
function* snapshotChunks({ users, anonymous, links }) {
  let chunk = HEADER + '\n'
  const lines = function* () {
    for (const [id, profile] of users) yield JSON.stringify(['u', id, profile])
    for (const [id, profile] of anonymous) yield JSON.stringify(['a', id, profile])
    for (const [id, userId] of links) yield JSON.stringify(['l', id, userId])
  }
  for (const line of lines()) {
    chunk += line + '\n'
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk) yield chunk
}

function fsyncDir(dataDir) {
  try {
    const fd = openSync(dataDir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // Some platforms cannot fsync a directory.
  }
}

/** Removes snapshots and logs older than `gen`, and a legacy profiles.json. */
function removeOlder(dataDir, gen) {
  for (const name of readdirSync(dataDir)) {
    const older = (generationOf(name, 'snapshot') ?? Infinity) < gen || (generationOf(name, 'log') ?? Infinity) < gen || name == LEGACY_FILE
    if (older) rmSync(join(dataDir, name), { force: true })
  }
}

/**
 * Reads what `dataDir` holds. Temp files of interrupted snapshots are removed; a snapshot that does not
 * read whole is moved aside (`.corrupt-<ts>`, kept for a human) and the next older one is used.
 * @returns {{ state: ReturnType<typeof emptyState>, logs: string[], nextGen: number, stale: boolean }}
 *   `logs` to replay in order; `stale`: a snapshot should be written before appending
 */
export function recover(dataDir, warn) {
  mkdirSync(dataDir, { recursive: true })
  const names = readdirSync(dataDir)
  for (const name of names.filter((name) => name.endsWith('.tmp'))) {
    rmSync(join(dataDir, name), { force: true })
    warn(`removed ${name}, left by an interrupted snapshot`)
  }
  const moveAside = (name, why) => {
    const aside = `${join(dataDir, name)}.corrupt-${Date.now()}`
    renameSync(join(dataDir, name), aside)
    warn(`${name} is corrupt (${why}); moved it to ${aside}`)
  }
  const snapshots = names.map((name) => generationOf(name, 'snapshot')).filter((gen) => gen !== undefined).sort((a, b) => b - a)
  const logGens = names.map((name) => generationOf(name, 'log')).filter((gen) => gen !== undefined).sort((a, b) => a - b)
  let state
  let base = 0
  for (const gen of snapshots) {
    try {
      state = parseSnapshot(readFileSync(join(dataDir, snapshotName(gen)), 'utf8'))
      base = gen
      break
    } catch (error) {
      moveAside(snapshotName(gen), error.message)
    }
  }
  let legacy = false
  if (!state && names.includes(LEGACY_FILE)) {
    try {
      const parsed = JSON.parse(readFileSync(join(dataDir, LEGACY_FILE), 'utf8'))
      if (!isStoreState(parsed)) throw new Error('not a profile store')
      state = emptyState()
      for (const kind of ['users', 'anonymous', 'links']) for (const [id, value] of Object.entries(parsed[kind])) state[kind][id] = value
      legacy = true
    } catch (error) {
      moveAside(LEGACY_FILE, error.message)
    }
  }
  if (!state && snapshots.length) warn('no snapshot could be read: starting from the logs alone, older updates are lost')
  const logs = logGens.filter((gen) => gen >= base).map((gen) => join(dataDir, logName(gen)))
  const highest = Math.max(base, ...snapshots, ...logGens)
  return { state: state ?? emptyState(), logs, nextGen: logs.length || legacy ? highest + 1 : Math.max(highest, 1), stale: logs.length > 0 || legacy }
}

/**
 * Replays one log file, calling `apply` with each operation. A line that does not parse is skipped
 * with a warning: at the end it is a torn append (never acknowledged), elsewhere damage.
 */
export function replay(file, apply, warn) {
  const lines = readFileSync(file, 'utf8').split('\n')
  lines.forEach((line, index) => {
    if (!line) return
    let op
    try {
      op = JSON.parse(line)
    } catch {
      return warn(`${file}: skipped ${index == lines.length - 1 ? 'a torn last line (an interrupted, unacknowledged write)' : `line ${index + 1}, which does not parse`}`)
    }
    apply(op)
  })
}

/** Writes a snapshot synchronously (at start-up, before serving). */
function writeSnapshotSync(dataDir, gen, captured) {
  const temp = join(dataDir, `${snapshotName(gen)}.tmp`)
  const fd = openSync(temp, 'w')
  try {
    for (const chunk of snapshotChunks(captured)) writeSync(fd, chunk)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, join(dataDir, snapshotName(gen)))
  fsyncDir(dataDir)
}

/** Writes a snapshot in the background, a chunk at a time; returns its size in bytes. */
async function writeSnapshot(dataDir, gen, captured) {
  const temp = join(dataDir, `${snapshotName(gen)}.tmp`)
  const handle = await open(temp, 'w')
  let bytes = 0
  try {
    for (const chunk of snapshotChunks(captured)) {
      const buffer = Buffer.from(chunk)
      await handle.write(buffer)
      bytes += buffer.length
    }
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(temp, { force: true })
    throw error
  }
  await handle.close()
  await rename(temp, join(dataDir, snapshotName(gen)))
  fsyncDir(dataDir)
  return bytes
}

/**
 * Opens the log for appending after `recover` + replay.
 * @param {{ dataDir: string, gen: number, stale: boolean, capture: ReturnType<typeof import('./store.js').createProfileStore>['capture'], warn: (message: string) => void, compactBytes?: number, io?: typeof fileIo }} options
 */
export function openLog({ dataDir, gen, stale, capture, warn, compactBytes = 8 * 1024 * 1024, io = fileIo }) {
  if (stale) {
    writeSnapshotSync(dataDir, gen, capture())
    removeOlder(dataDir, gen)
  }
  const writer = createLogWriter({ fd: openSync(join(dataDir, logName(gen)), 'w'), io, warn })
  fsyncDir(dataDir)
  let logBytes = 0
  let snapshotBytes = 0
  /** @type {Promise<void> | undefined} */ let compacting

  /** Starts a new generation now: the snapshot is the store as it is after every line appended so far. */
  function compact() {
    gen += 1
    const snapshotGen = gen
    const captured = capture()
    const switched = writer.rotate(openSync(join(dataDir, logName(snapshotGen)), 'w'))
    // The new log's name must be durable before lines acknowledged in it are.
    fsyncDir(dataDir)
    logBytes = 0
    compacting = writeSnapshot(dataDir, snapshotGen, captured)
      .then(async (bytes) => {
        snapshotBytes = bytes
        await switched
        removeOlder(dataDir, snapshotGen)
      })
      .catch((error) => warn(`compaction failed (${error.message}); the logs still hold everything`))
      .finally(() => (compacting = undefined))
  }

  return {
    /** Appends one operation; resolves once it is durable. */
    append(op) {
      const line = JSON.stringify(op) + '\n'
      logBytes += line.length
      const done = writer.append(line)
      if (!compacting && logBytes > Math.max(compactBytes, snapshotBytes)) compact()
      return done
    },
    get healthy() {
      return writer.healthy
    },
    /** Waits for pending writes (bounded: a broken disk would never finish) and a compaction under way. */
    async close(timeoutMs = 5000) {
      const done = await writer.idle(timeoutMs)
      if (!done) warn('closing with profile updates that could not be saved (none of them was acknowledged)')
      await compacting
      writer.close()
    },
  }
}
