import { ValidationError } from '../errors.ts'
import type { AttributePath, Placeholders } from './placeholders.ts'

/** Compiles a list of attributes to a ProjectionExpression. */
export function compileProjection(paths: readonly AttributePath[], placeholders: Placeholders): string {
  if (!Array.isArray(paths) || paths.length === 0)
    throw new ValidationError('A projection names at least one attribute')
  return [...new Set(paths.map((path) => placeholders.path(path)))].join(', ')
}
