export { nanoid } from 'nanoid'
