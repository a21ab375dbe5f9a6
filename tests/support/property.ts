import fc from 'fast-check'

/**
 * fast-check for the unit project: deterministic, one fixed seed, so a run is the same on every
 * machine. `FC_SEED=<n>` explores another part of the space; a failure prints its seed and path.
 */
fc.configureGlobal({ seed: Number(process.env.FC_SEED) || 20261202 })

export default fc
