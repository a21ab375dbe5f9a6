/**
 * True in the script tag build only: rollup.config.mjs gives that build its own copy of this module.
 * What only npm users need (`destroy()`, for hot module reloading and tests) is left out of the
 * script tag, whose size has a budget (bench/size.mjs); rollup drops the branches it makes dead.
 */
export const SCRIPT_TAG: boolean = false
