/**
 * Persistence: profiles survive a restart; writes are atomic, so a leftover temp file or a corrupt
 * file never costs the good data, and a corrupt file is kept aside for a human.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeAtomically } from '../../demo/api/persistence.js'
import { startApi } from './helpers.js'

let dataDir
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'uf-api-'))
})
afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

const file = () => join(dataDir, 'profiles.json')

describe('persistence', () => {
  it('keeps profiles, links and anonymous profiles across a restart', async () => {
    const first = await startApi({ dataDir })
    await first.post({ anonymousId: 'v1', properties: { theme: 'dark' } })
    await first.post({ userId: 'ada', anonymousId: 'v1', properties: { plan: 'pro' } })
    await first.post({ anonymousId: 'v2', properties: { waiting: true } })
    const before = await first.profile('ada')
    await first.close()
    expect(existsSync(file())).toBe(true)

    const second = await startApi({ dataDir })
    try {
      expect(await second.profile('ada')).toEqual(before)
      await second.post({ anonymousId: 'v1', properties: { later: 1 } }) // still linked
      await second.post({ userId: 'bob', anonymousId: 'v2' }) // still stored
      expect((await second.profile('ada')).properties).toEqual({ theme: 'dark', plan: 'pro', later: 1 })
      expect((await second.profile('bob')).properties).toEqual({ waiting: true })
    } finally {
      await second.close()
    }
  })

  it('writes soon after a change, not only on close', async () => {
    const api = await startApi({ dataDir })
    try {
      await api.post({ userId: 'soon' })
      for (let i = 0; i < 100 && !existsSync(file()); i++) await new Promise((resolve) => setTimeout(resolve, 5))
      expect(JSON.parse(readFileSync(file(), 'utf8')).users.soon.id).toBe('soon')
    } finally {
      await api.close()
    }
  })

  it('a missing directory is created; a missing file starts empty', async () => {
    const nested = join(dataDir, 'a', 'b')
    const api = await startApi({ dataDir: nested })
    expect((await api.get('anyone')).status).toBe(404)
    await api.post({ userId: 'x' })
    await api.close()
    expect(existsSync(join(nested, 'profiles.json'))).toBe(true)
  })

  it('a temp file left by an interrupted write is ignored and removed; the good file wins', async () => {
    const first = await startApi({ dataDir })
    await first.post({ userId: 'safe', properties: { v: 1 } })
    await first.close()
    writeFileSync(join(dataDir, 'profiles.json.tmp-1234-5678'), '{"users":{"safe":{"trunc')
    const second = await startApi({ dataDir })
    try {
      expect((await second.profile('safe')).properties).toEqual({ v: 1 })
      expect(readdirSync(dataDir)).toEqual(['profiles.json'])
      expect(second.logged.some((line) => line.includes('interrupted write'))).toBe(true)
    } finally {
      await second.close()
    }
  })

  it.each([
    ['truncated JSON', '{"users":{"a":'],
    ['not an object', '[1,2,3]'],
    ['the wrong shape', '{"users":{"a":{"id":"a"}},"anonymous":{},"links":{}}'],
    ['empty', ''],
  ])('a corrupt file (%s) is moved aside, logged, and the server starts empty', async (_name, text) => {
    writeFileSync(file(), text)
    const api = await startApi({ dataDir })
    try {
      expect((await api.get('a')).status).toBe(404)
      const aside = readdirSync(dataDir).filter((name) => name.startsWith('profiles.json.corrupt-'))
      expect(aside).toHaveLength(1)
      expect(readFileSync(join(dataDir, aside[0]), 'utf8')).toBe(text)
      expect(api.logged.some((line) => line.includes('corrupt'))).toBe(true)
      // It keeps working and saves afresh.
      await api.post({ userId: 'fresh' })
    } finally {
      await api.close()
    }
    expect(JSON.parse(readFileSync(file(), 'utf8')).users.fresh.id).toBe('fresh')
  })

  it('writeAtomically replaces the file whole and leaves no temp file', () => {
    writeAtomically(dataDir, '{"v":1}')
    writeAtomically(dataDir, '{"v":2}')
    expect(readFileSync(file(), 'utf8')).toBe('{"v":2}')
    expect(readdirSync(dataDir)).toEqual(['profiles.json'])
  })

  it('reset empties the saved file too', async () => {
    const first = await startApi({ dataDir })
    await first.post({ userId: 'wiped' })
    await first.reset()
    await first.close()
    const second = await startApi({ dataDir })
    try {
      expect((await second.get('wiped')).status).toBe(404)
    } finally {
      await second.close()
    }
  })

  it('without dataDir nothing is written', async () => {
    const api = await startApi({ dataDir: null })
    await api.post({ userId: 'memory' })
    await api.close()
    expect(readdirSync(dataDir)).toEqual([])
  })
})
