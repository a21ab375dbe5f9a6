/**
 * Keeps the store in `<dataDir>/profiles.json`, so the demo's profiles survive a restart.
 *
 * Writes are atomic: a temp file in the same directory is written, fsynced and renamed over the real
 * one (rename is atomic within a file system), then the directory is fsynced so the rename itself is
 * durable. A crash mid-write leaves at worst a stray temp file; the previous profiles.json is intact.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { isPlainObject } from './validate.js'

export const FILE_NAME = 'profiles.json'
const TEMP_PREFIX = `${FILE_NAME}.tmp-`

const PROFILE_FIELDS = ['anonymousIds', 'properties', 'computedProperties', 'segments', 'locationData', 'deviceData', 'lastUpdatedAt', 'createdAt']
const isProfile = (value) => isPlainObject(value) && PROFILE_FIELDS.every((field) => Object.hasOwn(value, field)) && Array.isArray(value.anonymousIds) && isPlainObject(value.properties)

/** Whether parsed JSON has the shape the store writes; anything else is treated as corrupt. */
export function isStoreState(value) {
  return (
    isPlainObject(value) &&
    [value.users, value.anonymous, value.links].every(isPlainObject) &&
    Object.values(value.users).every(isProfile) &&
    Object.values(value.anonymous).every(isProfile) &&
    Object.values(value.links).every((userId) => typeof userId == 'string')
  )
}

/**
 * Loads the saved state. Missing: empty. Unreadable or corrupt: moved aside to
 * `profiles.json.corrupt-<ts>` (kept for a human to look at, never overwritten) and empty.
 * Temp files left by a crash mid-write are removed: the rename never happened, so they are not the truth.
 * @param {string} dataDir
 * @param {(message: string) => void} log
 * @returns {import('./store.js').StoreState | undefined}
 */
export function loadState(dataDir, log) {
  mkdirSync(dataDir, { recursive: true })
  for (const name of readdirSync(dataDir)) {
    if (name.startsWith(TEMP_PREFIX)) {
      rmSync(join(dataDir, name), { force: true })
      log(`removed ${name}, left by an interrupted write`)
    }
  }
  const file = join(dataDir, FILE_NAME)
  let text
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if (error.code == 'ENOENT') return undefined
    throw error
  }
  try {
    const state = JSON.parse(text)
    if (isStoreState(state)) return state
  } catch {
    // fall through: corrupt
  }
  const aside = `${file}.corrupt-${Date.now()}`
  renameSync(file, aside)
  log(`${file} is corrupt; moved it to ${aside} and started empty`)
  return undefined
}

/** Writes `text` to `<dataDir>/profiles.json` atomically (see the file comment). */
export function writeAtomically(dataDir, text) {
  const file = join(dataDir, FILE_NAME)
  const temp = join(dataDir, `${TEMP_PREFIX}${process.pid}-${Date.now()}`)
  const fd = openSync(temp, 'w')
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, file)
  try {
    const dir = openSync(dataDir, 'r')
    try {
      fsyncSync(dir)
    } finally {
      closeSync(dir)
    }
  } catch {
    // Some platforms cannot fsync a directory; the file itself is already safe.
  }
}

/**
 * Debounced saving: changes made close together are written once, shortly after; `flush()` writes
 * what is pending at once (on close). Synchronous writes keep the code simple and the order obvious;
 * the files are small and this is a demo server.
 * @param {{ dataDir: string, snapshot: () => unknown, log: (message: string) => void, delayMs?: number }} options
 */
export function createSaver({ dataDir, snapshot, log, delayMs = 25 }) {
  let timer
  const save = () => {
    clearTimeout(timer)
    timer = undefined
    try {
      writeAtomically(dataDir, JSON.stringify(snapshot()))
    } catch (error) {
      // Keep serving from memory; the next change tries again.
      log(`could not save profiles: ${error.message}`)
    }
  }
  return {
    schedule() {
      timer ??= setTimeout(save, delayMs)
    },
    flush() {
      if (timer !== undefined) save()
    },
  }
}
