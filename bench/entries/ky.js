import ky from 'ky'
// The way transport.ts uses it: one instance, called as a function.
export const api = ky.create({ retry: 0, throwHttpErrors: false })
