import vm from 'node:vm'
import { createWorld } from './world.mjs'

/** A stand-in script tag bundle, for testing the simulator's models without the real client. */
export const fakeBundle = (source) => new vm.Script(source, { filename: 'fake-bundle.js' })

/** A world running `source` as its bundle (a no-op one by default). */
export const fakeWorld = (options = {}, source = 'window.userflux = {}') =>
  createWorld({ seed: 7, bundle: fakeBundle(source), dataset: { writeKey: 'k' }, ...options })
