import { defineConfig } from 'vitest/config'
import EnginesBesideE2e from './tests/support/sequencer.js'

export default defineConfig({
  test: {
    // Two files at a time on the 2-core machine CI has; see tests/support/sequencer.ts for the order.
    maxWorkers: 2,
    sequence: { sequencer: EnginesBesideE2e },
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      // tests/server: userflux-snippet/server against the local API, in Node (no browser).
      { test: { name: 'api', include: ['tests/api/**/*.test.{js,ts}', 'tests/server/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          // The multi-tab simulator (tests/sim): its own models' tests, and the built bundle checked
          // against SPEC §5's invariants over generated cases (sim.test.mjs, about 70 s).
          name: 'sim',
          include: ['tests/sim/**/*.test.mjs'],
          environment: 'node',
          testTimeout: 150_000,
        },
      },
      {
        test: {
          name: 'e2e',
          // Every file starts its own servers on free ports and its own Chromium: files share nothing.
          include: ['tests/e2e/**/*.test.ts', 'tests/demo/**/*.test.{js,ts}'],
          environment: 'node',
          // Real Chromium against real servers: generous bounds so a loaded machine does not flake.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'apps',
          // Real apps (own package.json each, installed by the test on first use), their dev or
          // production servers, and Chromium: see tests/apps/support.ts.
          include: ['tests/apps/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'engines',
          // Chromium, Firefox and WebKit against real servers (SPEC §9), each file one engine.
          include: ['tests/engines/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
