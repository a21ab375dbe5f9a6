import vm from 'node:vm'
import { describe, expect, test } from 'vitest'
import { createClock, EPOCH } from './clock.mjs'

describe('virtual clock and scheduler', () => {
  test('runs tasks by due time, then in the order they were scheduled', async () => {
    const clock = createClock()
    const seen = []
    clock.schedule(20, () => seen.push('b'))
    clock.schedule(10, () => seen.push('a'))
    clock.schedule(20, () => seen.push('c'))
    clock.schedule(0, () => clock.schedule(10, () => seen.push('a2')))
    await clock.runUntil(100)
    expect(seen).toEqual(['a', 'a2', 'b', 'c'])
    expect(clock.now).toBe(100)
  })

  test("a vm context's promises settle between two tasks (one isolate, one microtask queue)", async () => {
    const clock = createClock()
    const context = vm.createContext({ seen: [] })
    const seen = vm.runInContext('seen', context)
    clock.schedule(0, () => vm.runInContext(`Promise.resolve().then(() => seen.push('micro 1')).then(() => seen.push('micro 2'))`, context))
    clock.schedule(0, () => seen.push('task 2'))
    await clock.runUntil(0)
    expect([...seen]).toEqual(['micro 1', 'micro 2', 'task 2'])
  })

  test("a frozen owner's tasks wait, and run once it is thawed", async () => {
    const clock = createClock()
    const owner = { frozen: true }
    const seen = []
    clock.schedule(5, () => seen.push('frozen'), owner)
    clock.schedule(10, () => seen.push('free'))
    await clock.runUntil(50)
    expect(seen).toEqual(['free'])
    owner.frozen = false
    await clock.runUntil(50)
    expect(seen).toEqual(['free', 'frozen'])
  })

  test('the wall clock jumps either way while virtual time only goes forward', async () => {
    const clock = createClock()
    await clock.runUntil(1000)
    clock.jumpWall(-86_400_000)
    expect(clock.wall()).toBe(EPOCH + 1000 - 86_400_000)
    expect(clock.now).toBe(1000)
    clock.jumpWall(90_000_000)
    expect(clock.wall()).toBe(EPOCH + 1000 + 3_600_000)
  })
})
