// What a page does with a profile SDK, as the bench runs it on every SDK alike. `args(i)` is the i-th
// call's argument, built in the page before the clock starts; `expected` is what the API must hold
// at the end (the last value of each key), checked against what arrived at the sink.

/** A realistic profile: 20 keys of the kinds sites send (names chosen not to clash with SDK fields). */
export const PROFILE = `(i) => ({
  first_name: 'Ada', last_name: 'Lovelace', email: 'ada+' + i + '@example.com', plan: 'pro', seats: 12 + i,
  theme: 'dark', ui_language: 'en-GB', home_timezone: 'Europe/London', signup_date: '2025-11-24T16:00:00.000Z',
  last_seen: new Date(1764000000000 + i).toISOString(), company_name: 'Acme', company_size: 42, job_role: 'engineer',
  is_admin: i % 2 == 0, tags: ['beta', 'eu'], billing_country: 'GB', referral_code: 'R' + i, trial_days_left: 14,
  mrr: 49.99, preferences: { digest: 'weekly', beta: true },
})`

const profile = (i) => new Function(`return ${PROFILE}`)()(i)

export const USER = 'bench-user'

export const WORKLOADS = {
  profile: {
    label: 'identify with a 20-key profile',
    count: 1,
    // The one call a page makes on load: who the visitor is and what we know of them.
    identify: true,
    args: PROFILE,
    expected: () => profile(0),
  },
  distinct: {
    label: '1,000 distinct keys after identify',
    count: 1000,
    args: `(i) => ({ ['k_' + i]: i })`,
    expected: () => Object.fromEntries(Array.from({ length: 1000 }, (_, i) => ['k_' + i, i])),
  },
  oneKey: {
    label: '1,000 updates of one key',
    count: 1000,
    args: `(i) => ({ score: i })`,
    expected: () => ({ score: 999 }),
  },
  burst: {
    label: '10,000-update burst (6 keys each)',
    count: 10_000,
    args: `(i) => ({ plan: 'pro', seats: i, theme: i % 2 ? 'dark' : 'light', last_seen: new Date(1764000000000 + i).toISOString(), tags: ['beta', 'eu'], company: { name: 'Acme', size: i % 100 } })`,
    expected: () => {
      const i = 9999
      return { plan: 'pro', seats: i, theme: 'dark', last_seen: new Date(1764000000000 + i).toISOString(), tags: ['beta', 'eu'], company: { name: 'Acme', size: i % 100 } }
    },
  },
}

export const profileOf = profile
