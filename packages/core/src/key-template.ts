// Composite key templates such as `PARTNER#{partnerId}`: parsed once when the model is defined,
// rendered per write. Values are inserted exactly as given (no change of case, ElectroDB #523) and a
// value holding the delimiter is rejected, because `PARTNER#a#b` could then name two different partners.
import { ValidationError } from './errors.ts'

/** The `{names}` a template uses, as a union of string literal types. */
export type TemplateVariables<T extends string> = T extends `${string}{${infer Name}}${infer Rest}`
  ? Name | TemplateVariables<Rest>
  : never

export interface KeyTemplate {
  readonly source: string
  /** Literal text and variable names, alternating, starting with literal text (possibly empty). */
  readonly literals: readonly string[]
  readonly variables: readonly string[]
}

const VARIABLE = /\{([^{}]+)\}/g

export function parseKeyTemplate(source: string): KeyTemplate {
  if (typeof source !== 'string' || source.length === 0) {
    throw new ValidationError('A key template must be a non-empty string')
  }
  const literals: string[] = []
  const variables: string[] = []
  let last = 0
  for (const match of source.matchAll(VARIABLE)) {
    literals.push(source.slice(last, match.index))
    variables.push(match[1] as string)
    last = match.index + match[0].length
  }
  literals.push(source.slice(last))
  if (literals.some((literal) => literal.includes('{') || literal.includes('}'))) {
    throw new ValidationError(`Key template ${JSON.stringify(source)} has an unbalanced brace`)
  }
  for (let index = 1; index < variables.length; index++) {
    if (literals[index] === '') {
      throw new ValidationError(
        `Key template ${JSON.stringify(source)}: {${variables[index - 1]}} and {${variables[index]}} need literal text between them`,
      )
    }
  }
  return { source, literals, variables }
}

/** The text a value takes inside a key. Dates become ISO-8601 so they sort as time. */
export function keyPart(value: unknown, name: string): string {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
      if (!Number.isFinite(value)) throw new ValidationError(`Key value ${name} must be a finite number`)
      return String(value)
    case 'bigint':
    case 'boolean':
      return String(value)
    default:
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString()
      throw new ValidationError(`Key value ${name} must be a string, number, bigint, boolean or date`)
  }
}

// A surrogate not paired into a code point ('\uD800' alone) has no UTF-8 encoding: DynamoDB reads it
// as '?', so 'x\uDC00y' would address the item keyed 'x?y'.
const LONE_SURROGATE = /\p{Surrogate}/u

function checkedPart(template: KeyTemplate, name: string, value: unknown, delimiter: string): string {
  const part = keyPart(value, name)
  if (part.length === 0) throw new ValidationError(`Key value ${name} must not be empty`)
  if (LONE_SURROGATE.test(part)) {
    throw new ValidationError(`Key value ${name} must be well-formed text (it holds a lone surrogate)`)
  }
  // Any character of the delimiter, not only all of it: with '::', { a: 'x:', b: 'y' } and
  // { a: 'x', b: ':y' } would both render 'x:::y'.
  if ([...delimiter].some((character) => part.includes(character))) {
    throw new ValidationError(
      `Key value ${name} must not contain the key delimiter ${JSON.stringify(delimiter)} or any of its characters (template ${template.source})`,
    )
  }
  return part
}

/** Renders the whole template; every variable must be present. */
export function renderKey(template: KeyTemplate, values: Record<string, unknown>, delimiter: string): string {
  let out = template.literals[0] as string
  for (let index = 0; index < template.variables.length; index++) {
    const name = template.variables[index] as string
    const value = values[name]
    if (value === undefined || value === null) {
      throw new ValidationError(`Key value ${name} is required by key template ${template.source}`)
    }
    out += checkedPart(template, name, value, delimiter) + template.literals[index + 1]
  }
  return out
}

/** True when every variable of the template has a value. */
export function hasAllVariables(template: KeyTemplate, values: Record<string, unknown>): boolean {
  for (const name of template.variables) {
    if (values[name] === undefined || values[name] === null) return false
  }
  return true
}

/**
 * Renders the longest prefix the given values allow: stops before the first missing variable,
 * keeping the literal text before it, so `PAYMENT#{day}#{id}` with only `day` gives `PAYMENT#2024-01-01#`.
 * `complete` tells whether every variable was present. A value after a gap is an error: it cannot be
 * expressed as a key prefix and silently dropping it would widen the query.
 */
export function renderKeyPrefix(
  template: KeyTemplate,
  values: Record<string, unknown>,
  delimiter: string,
): { prefix: string; complete: boolean } {
  let out = template.literals[0] as string
  for (let index = 0; index < template.variables.length; index++) {
    const name = template.variables[index] as string
    const value = values[name]
    if (value === undefined || value === null) {
      const later = template.variables.slice(index + 1).find((rest) => values[rest] !== undefined)
      if (later !== undefined) {
        throw new ValidationError(
          `Sort key ${template.source}: ${later} is given but ${name} before it is not; a key prefix cannot skip a part`,
        )
      }
      return { prefix: out, complete: false }
    }
    out += checkedPart(template, name, value, delimiter) + template.literals[index + 1]
  }
  return { prefix: out, complete: true }
}
