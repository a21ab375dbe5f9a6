#!/usr/bin/env node
/**
 * `npm run bench:api`: load on the local Integration API with the store on disk. For 1, 10 and 100
 * connections over loopback (127.0.0.1 only), POST /profile updates for a bounded time and count, then
 * report updates per second and p50/p99 latency of the 204s. After each step the server is killed with
 * SIGKILL, restarted on the same data folder, and every acknowledged update is looked up: "lost" must
 * be 0. The server runs in its own process, as in production, so the load generator does not share its
 * event loop.
 * Then GET latency on a large store (BENCH_STORE_MB, default 50) while 10 connections keep writing: a
 * write must not cost time proportional to the store, so reads stay fast as it grows.
 *   BENCH_SECONDS (default 3) and BENCH_MAX_UPDATES (default 5000) bound each step.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnApi } from '../tests/support/spawn-api.mjs'

// BENCH_API_MAIN: another server's entry, to compare (e.g. an older version's demo/api/main.js).
const MAIN = process.env.BENCH_API_MAIN || new URL('../demo/api/main.js', import.meta.url).pathname
const SECONDS = Number(process.env.BENCH_SECONDS || 3)
const MAX_UPDATES = Number(process.env.BENCH_MAX_UPDATES || 5000)
const STEPS = [1, 10, 100]
const STORE_MB = Number(process.env.BENCH_STORE_MB ?? 50)
const dataDir = mkdtempSync(join(tmpdir(), 'uf-bench-api-'))

const startServer = () => spawnApi(dataDir, { main: MAIN }).listening

const kill = (child) => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL')))

function call(url, agent, method, path, body) {
  return new Promise((resolve) => {
    const text = body === undefined ? '' : JSON.stringify(body)
    const headers = { authorization: `Bearer ${method == 'GET' ? 'demo-read-write-key' : 'demo-write-key'}` }
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    const req = request(url + path, { method, agent, headers }, (res) => {
      let data = ''
      res.on('data', (chunk) => (data += chunk))
      res.on('end', () => resolve({ status: res.statusCode, data }))
    })
    req.on('error', (error) => resolve({ status: 'error', data: error.message }))
    req.end(text)
  })
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

async function step(connections, stepIndex) {
  const server = await startServer()
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const acknowledged = []
  const latencies = []
  let sent = 0
  let failures = 0
  const end = Date.now() + SECONDS * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: connections }, async (_, worker) => {
      while (Date.now() < end && sent < MAX_UPDATES) {
        const n = sent++
        const update = { userId: `s${stepIndex}-u${n % 200}`, anonymousId: `s${stepIndex}-a${n % 200}`, properties: { [`k${n}`]: n, plan: 'pro', worker } }
        const t0 = performance.now()
        const { status } = await call(server.url, agent, 'POST', '/profile', update)
        if (status == 204) {
          latencies.push(performance.now() - t0)
          acknowledged.push(update)
        } else failures++
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  agent.destroy()
  await kill(server.child)

  // Restart on the same folder and look every acknowledged update up.
  const restarted = await startServer()
  const reader = new Agent({ keepAlive: true, maxSockets: 10 })
  const expected = new Map()
  for (const { userId, properties } of acknowledged) expected.set(userId, { ...expected.get(userId), ...properties })
  let lost = 0
  for (const [userId, properties] of expected) {
    const { status, data } = await call(restarted.url, reader, 'GET', `/profile/${encodeURIComponent(userId)}`)
    const stored = status == 200 ? JSON.parse(data).properties : {}
    // Each k<n> key was written once, by one acknowledged update: it must be there.
    for (const [key, value] of Object.entries(properties)) if (key.startsWith('k') && stored[key] !== value) lost++
  }
  reader.destroy()
  await kill(restarted.child)
  latencies.sort((a, b) => a - b)
  return {
    connections,
    updates: acknowledged.length,
    'updates/s': Math.round(acknowledged.length / seconds),
    'p50 ms': Number(percentile(latencies, 50).toFixed(1)),
    'p99 ms': Number(percentile(latencies, 99).toFixed(1)),
    'non-204': failures,
    'lost after kill -9': lost,
  }
}

/** GET p50/p99 on a store of about STORE_MB while 10 connections write. */
async function largeStore() {
  const server = await startServer()
  const agent = new Agent({ keepAlive: true, maxSockets: 100 })
  const blob = 'x'.repeat(20_000)
  const profiles = Math.ceil((STORE_MB * 1024 * 1024) / blob.length)
  const fillStarted = performance.now()
  for (let i = 0; i < profiles; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, profiles - i) }, (_, j) => call(server.url, agent, 'POST', '/profile', { userId: `big-${i + j}`, properties: { blob } })))
  }
  const fillSeconds = (performance.now() - fillStarted) / 1000
  const reads = []
  const writes = []
  const end = Date.now() + SECONDS * 1000
  const loop = (fn) => Promise.all(Array.from({ length: 10 }, async () => { while (Date.now() < end) await fn() }))
  await Promise.all([
    loop(async () => {
      const t0 = performance.now()
      await call(server.url, agent, 'GET', `/profile/big-${Math.floor(Math.random() * profiles)}`)
      reads.push(performance.now() - t0)
    }),
    loop(async () => {
      const t0 = performance.now()
      await call(server.url, agent, 'POST', '/profile', { userId: `big-${Math.floor(Math.random() * profiles)}`, properties: { touched: Date.now() } })
      writes.push(performance.now() - t0)
    }),
  ])
  agent.destroy()
  await kill(server.child)
  reads.sort((a, b) => a - b)
  writes.sort((a, b) => a - b)
  return {
    'store MB': STORE_MB,
    'fill s': Number(fillSeconds.toFixed(1)),
    'GET p50 ms': Number(percentile(reads, 50).toFixed(1)),
    'GET p99 ms': Number(percentile(reads, 99).toFixed(1)),
    'POST p50 ms': Number(percentile(writes, 50).toFixed(1)),
    'POST p99 ms': Number(percentile(writes, 99).toFixed(1)),
  }
}

try {
  const rows = []
  for (const [index, connections] of STEPS.entries()) rows.push(await step(connections, index))
  console.table(rows)
  if (STORE_MB > 0) console.table([await largeStore()])
  if (rows.some((row) => row['lost after kill -9'] > 0)) {
    console.error('Acknowledged updates were lost.')
    process.exitCode = 1
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
