// userflux-snippet/react: the React binding (SPEC §10). React is an optional peer dependency of the
// package, and none of this reaches the script tag or the core entry.
export { UserFluxProvider, useUserFlux, type UserFluxProviderProps } from './provider.js'
export { useUserFluxIdentity } from './identity.js'
export { UserFluxUser, useUserFluxUser, type UserFluxUserProps } from './user.js'
export type { IdentityState, Options, UserFluxClient } from '../types.js'
