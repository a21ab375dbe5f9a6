/**
 * Persistence: a 204 means the update is in the log on disk; the log and snapshots survive restarts,
 * compaction keeps them small, leftovers and damage never cost the good data, and a failing disk gives
 * 503s (never a 204) until it works again.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fileIo } from '../../demo/api/log-writer.js'
import { startApi } from './helpers.js'

let dataDir
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'uf-api-'))
})
afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

const files = () => readdirSync(dataDir).sort()
const logText = () => files().filter((name) => name.startsWith('log-')).map((name) => readFileSync(join(dataDir, name), 'utf8')).join('')
const totalBytes = () => files().reduce((sum, name) => sum + statSync(join(dataDir, name)).size, 0)

/** Runs `test` against a server on dataDir, closing it after. */
async function withApi(options, test) {
  const api = await startApi({ dataDir, ...options })
  try {
    return await test(api)
  } finally {
    await api.close()
  }
}

describe('persistence', () => {
  it('keeps profiles, links and anonymous profiles across a restart', async () => {
    const before = await withApi({}, async (first) => {
      await first.post({ anonymousId: 'v1', properties: { theme: 'dark' } })
      await first.post({ userId: 'ada', anonymousId: 'v1', properties: { plan: 'pro' }, externalId: 'ext-1', deviceData: { screenWidth: 1280 } })
      await first.post({ anonymousId: 'v2', properties: { waiting: true } })
      return first.profile('ada')
    })
    await withApi({}, async (second) => {
      expect(await second.profile('ada')).toEqual(before)
      await second.post({ anonymousId: 'v1', properties: { later: 1 } }) // still linked
      await second.post({ userId: 'bob', anonymousId: 'v2' }) // still stored
      expect((await second.profile('ada')).properties).toEqual({ theme: 'dark', plan: 'pro', later: 1 })
      expect((await second.profile('bob')).properties).toEqual({ waiting: true })
    })
  })

  it('a 204 means the update is already in the log on disk', async () => {
    await withApi({}, async (api) => {
      for (let i = 0; i < 5; i++) {
        expect((await api.post({ userId: 'durable', properties: { [`k${i}`]: `value-${i}` } })).status).toBe(204)
        expect(logText()).toContain(`"value-${i}"`)
      }
    })
  })

  it('a small update writes about its own size, however large the store', { timeout: 30_000 }, async () => {
    await withApi({}, async (api) => {
      const blob = 'x'.repeat(20_000)
      for (let i = 0; i < 2; i++) await Promise.all(Array.from({ length: 60 }, (_, j) => api.post({ userId: `big-${i}-${j}`, properties: { blob } })))
      const before = totalBytes()
      expect(before).toBeGreaterThan(2_000_000)
      await api.post({ userId: 'big-0-0', properties: { small: 1 } })
      expect(totalBytes() - before).toBeLessThan(1000)
    })
  })

  it('compaction: the log is folded into a snapshot; old files go; a restart finds everything', { timeout: 30_000 }, async () => {
    const expected = await withApi({ compactBytes: 4096 }, async (api) => {
      // Rounds in order; within a round, one update per user, in parallel (group commit).
      for (let round = 0; round < 10; round++) {
        await Promise.all(Array.from({ length: 20 }, (_, i) => api.post({ userId: `c${i}`, anonymousId: `anon-${i}`, properties: { [`p${round}`]: round, pad: 'y'.repeat(100) } })))
      }
      await api.post({ anonymousId: 'alone', properties: { n: 1 } })
      return Promise.all(Array.from({ length: 20 }, (_, i) => api.profile(`c${i}`)))
    })
    expect(files().filter((name) => name.startsWith('snapshot-')).length).toBeLessThanOrEqual(2)
    expect(files().filter((name) => name.startsWith('log-')).length).toBeLessThanOrEqual(2)
    await withApi({ compactBytes: 4096 }, async (api) => {
      expect(await Promise.all(Array.from({ length: 20 }, (_, i) => api.profile(`c${i}`)))).toEqual(expected)
      await api.post({ userId: 'joined', anonymousId: 'alone' })
      expect((await api.profile('joined')).properties).toEqual({ n: 1 })
    })
  })

  it('a missing directory is created', async () => {
    const nested = join(dataDir, 'a', 'b')
    const api = await startApi({ dataDir: nested })
    expect((await api.get('anyone')).status).toBe(404)
    await api.post({ userId: 'x' })
    await api.close()
    expect(readdirSync(nested).some((name) => name.startsWith('log-'))).toBe(true)
  })

  it('a torn last line (a crash mid-append) is skipped; everything before it is kept', async () => {
    await withApi({}, (api) => api.post({ userId: 'safe', properties: { v: 1 } }))
    const log = files().find((name) => name.startsWith('log-'))
    await appendFile(join(dataDir, log), '{"op":"update","update":{"userId":"torn","proper')
    await withApi({}, async (api) => {
      expect((await api.profile('safe')).properties).toEqual({ v: 1 })
      expect((await api.get('torn')).status).toBe(404)
      expect(api.logged.some((line) => line.includes('torn last line'))).toBe(true)
    })
  })

  it('a temp file of an interrupted snapshot is removed; a corrupt snapshot is moved aside and logged', async () => {
    await withApi({}, (api) => api.post({ userId: 'kept', properties: { v: 1 } }))
    await withApi({}, async () => {}) // the restart folds the log into snapshot-<g>
    const snapshot = files().find((name) => name.startsWith('snapshot-'))
    writeFileSync(join(dataDir, 'snapshot-99.jsonl.tmp'), 'half')
    await withApi({}, async (api) => {
      expect((await api.profile('kept')).properties).toEqual({ v: 1 })
      expect(files().some((name) => name.endsWith('.tmp'))).toBe(false)
    })
    const latest = files().find((name) => name.startsWith('snapshot-'))
    writeFileSync(join(dataDir, latest), '{"format":"userflux-local-snapshot","version":1}\n["u","kept",{"trunc')
    await withApi({}, async (api) => {
      expect(api.logged.some((line) => line.includes('corrupt'))).toBe(true)
      expect(files().filter((name) => name.includes('.corrupt-'))).toHaveLength(1)
      await api.post({ userId: 'fresh' })
    })
    expect(snapshot).toBeDefined()
    await withApi({}, async (api) => expect((await api.profile('fresh')).id).toBe('fresh'))
  })

  it('a profiles.json of earlier versions is read, then replaced by a snapshot', async () => {
    const profile = { id: 'old', anonymousIds: [], properties: { v: 1 }, computedProperties: { updateCount: 1 }, segments: [], locationData: {}, deviceData: {}, lastUpdatedAt: 1, createdAt: 1 }
    writeFileSync(join(dataDir, 'profiles.json'), JSON.stringify({ users: { old: profile }, anonymous: {}, links: {} }))
    await withApi({}, async (api) => expect((await api.profile('old')).properties).toEqual({ v: 1 }))
    expect(existsSync(join(dataDir, 'profiles.json'))).toBe(false)
    await withApi({}, async (api) => expect((await api.profile('old')).properties).toEqual({ v: 1 }))
  })

  it('reset empties the saved data too', async () => {
    await withApi({}, async (api) => {
      await api.post({ userId: 'wiped' })
      await api.reset()
      await api.post({ userId: 'after' })
    })
    await withApi({}, async (api) => {
      expect((await api.get('wiped')).status).toBe(404)
      expect((await api.get('after')).status).toBe(200)
    })
  })

  it('without dataDir nothing is written', async () => {
    const api = await startApi({ dataDir: null })
    await api.post({ userId: 'memory' })
    await api.close()
    expect(readdirSync(dataDir)).toEqual([])
  })
})

describe('a failing disk', () => {
  /** File operations whose fsync fails while `failing` is set. */
  const flakyIo = () => {
    const io = { failing: 0, ...fileIo }
    io.sync = async (fd) => {
      if (io.failing > 0) {
        io.failing--
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })
      }
      return fileIo.sync(fd)
    }
    return io
  }

  it('one failed save is retried before answering: still a 204, and it is on disk', async () => {
    const io = flakyIo()
    await withApi({ io }, async (api) => {
      io.failing = 1
      expect((await api.post({ userId: 'retried', properties: { a: 1 } })).status).toBe(204)
      expect(logText()).toContain('"retried"')
    })
  })

  it('while saving fails the API answers 503 with Retry-After, never 204; then recovers', async () => {
    const io = flakyIo()
    await withApi({ io }, async (api) => {
      io.failing = Infinity
      const failed = await api.post({ userId: 'broken', properties: { a: 1 } })
      expect(failed.status).toBe(503)
      expect(failed.headers.get('retry-after')).toBe('1')
      expect(await failed.json()).toMatchObject({ error: 'storage_unavailable' })
      // Broken: refused at once, not applied.
      const refused = await api.post({ userId: 'refused', properties: { a: 1 } })
      expect(refused.status).toBe(503)
      expect((await api.get('refused')).status).toBe(404)
      expect(api.logged.some((line) => line.includes('could not save'))).toBe(true)
      io.failing = 0
      // The queued line is retried (backoff up to 1 s); then updates are accepted again.
      let status = 503
      for (let i = 0; i < 100 && status == 503; i++) {
        status = (await api.post({ userId: 'refused', properties: { a: 2 } })).status
        if (status == 503) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(status).toBe(204)
    })
    await withApi({}, async (api) => expect((await api.profile('refused')).properties).toEqual({ a: 2 }))
  })
})
