/**
 * kill -9 right after acknowledged writes: a real server process on a data folder gets a burst of
 * updates over many connections, is SIGKILLed the moment enough of them were answered 204 (others still
 * in flight), restarts on the same folder, and must have every acknowledged update.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawnApi as startApiProcess } from '../support/spawn-api.mjs'
import { READ_WRITE_KEY, WRITE_KEY } from './helpers.js'

let dataDir
const children = new Set()
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'uf-crash-'))
})
afterEach(() => {
  for (const child of children) child.kill('SIGKILL')
  children.clear()
  rmSync(dataDir, { recursive: true, force: true })
})

/** The API as its own process on this test's data folder, killed after the test if still running. */
function spawnApi(env = {}) {
  const { child, listening } = startApiProcess(dataDir, { env })
  children.add(child)
  child.on('exit', () => children.delete(child))
  return listening
}

/** POST /profile over `agent`; resolves with the status, or 'network-error' (a killed server). */
function post(url, agent, body) {
  return new Promise((resolve) => {
    const text = JSON.stringify(body)
    const req = request(`${url}/profile`, { method: 'POST', agent, headers: { authorization: `Bearer ${WRITE_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('error', () => resolve('network-error'))
    req.end(text)
  })
}

const getProfile = async (url, userId) => {
  const response = await fetch(`${url}/profile/${encodeURIComponent(userId)}`, { headers: { authorization: `Bearer ${READ_WRITE_KEY}` } })
  return response.status == 200 ? response.json() : undefined
}

/**
 * Sends `total` updates over `connections` sockets (user u<i % users> gets property k<i>), and kills
 * the server with SIGKILL as soon as `killAfter` were acknowledged. Returns what was acknowledged.
 */
async function burstThenKill({ child, url }, { total, connections, users, killAfter, env }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const acknowledged = []
  let killed = false
  await Promise.all(
    Array.from({ length: total }, async (_, i) => {
      const update = { userId: `u${i % users}`, properties: { [`k${i}`]: i } }
      const status = await post(url, agent, update)
      if (status == 204 && !killed) {
        acknowledged.push(update)
        if (acknowledged.length >= killAfter) {
          killed = true
          child.kill('SIGKILL')
        }
      }
    }),
  )
  agent.destroy()
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)))
  return acknowledged
}

/** Every acknowledged update is in the restarted server's profiles. */
async function expectAllThere(url, acknowledged) {
  const byUser = new Map()
  for (const { userId, properties } of acknowledged) byUser.set(userId, { ...byUser.get(userId), ...properties })
  for (const [userId, properties] of byUser) {
    const profile = await getProfile(url, userId)
    expect(profile, userId).toBeDefined()
    expect(profile.properties).toMatchObject(properties)
  }
}

describe('kill -9 after acknowledged writes', () => {
  it('a burst over 20 connections: every 204 survives the kill', { timeout: 45_000 }, async () => {
    const first = await spawnApi()
    const acknowledged = await burstThenKill(first, { total: 300, connections: 20, users: 25, killAfter: 180 })
    expect(acknowledged.length).toBeGreaterThanOrEqual(180)
    const second = await spawnApi()
    await expectAllThere(second.url, acknowledged)
  })

  it('with compactions under way (tiny threshold): every 204 survives the kill', { timeout: 45_000 }, async () => {
    const env = { UF_COMPACT_BYTES: '2000' }
    const first = await spawnApi(env)
    const acknowledged = await burstThenKill(first, { total: 200, connections: 10, users: 10, killAfter: 120 })
    expect(acknowledged.length).toBeGreaterThanOrEqual(120)
    const second = await spawnApi(env)
    await expectAllThere(second.url, acknowledged)
  })
})
