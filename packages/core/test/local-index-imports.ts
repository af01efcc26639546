export { inject } from 'vitest'
export { createDb, type Db, defineModel, isDynamormError, number, string } from '../src/index.ts'
