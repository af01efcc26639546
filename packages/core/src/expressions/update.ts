// Update actions as plain data, compiled to one UpdateExpression (SET / REMOVE / ADD / DELETE).
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ValidationError } from '../errors.ts'
import { type AttributePath, type Placeholders, pathSegments } from './placeholders.ts'

export type UpdateAction =
  | { readonly action: 'set'; readonly path: AttributePath; readonly value: AttributeValue }
  | { readonly action: 'setIfNotExists'; readonly path: AttributePath; readonly value: AttributeValue }
  | { readonly action: 'remove'; readonly path: AttributePath }
  | { readonly action: 'add'; readonly path: AttributePath; readonly value: AttributeValue }
  | { readonly action: 'subtract'; readonly path: AttributePath; readonly value: AttributeValue }
  | { readonly action: 'append' | 'prepend'; readonly path: AttributePath; readonly value: AttributeValue }
  | { readonly action: 'deleteFromSet'; readonly path: AttributePath; readonly value: AttributeValue }

function overlaps(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  const length = Math.min(a.length, b.length)
  for (let index = 0; index < length; index++) if (a[index] !== b[index]) return false
  return true
}

/**
 * Compiles actions to an UpdateExpression. Two actions on the same or overlapping paths are rejected
 * here, with the attribute named, rather than by DynamoDB with "Two document paths overlap".
 */
export function compileUpdate(actions: readonly UpdateAction[], placeholders: Placeholders): string {
  if (actions.length === 0) throw new ValidationError('An update needs at least one action')
  const seen: (readonly (string | number)[])[] = []
  const set: string[] = []
  const remove: string[] = []
  const add: string[] = []
  const del: string[] = []
  for (const entry of actions) {
    const segments = pathSegments(entry.path)
    const clash = seen.find((other) => overlaps(other, segments))
    if (clash !== undefined) {
      throw new ValidationError(
        `Update touches ${JSON.stringify(segments)} twice (overlaps ${JSON.stringify(clash)}); combine the actions`,
      )
    }
    seen.push(segments)
    const name = placeholders.path(entry.path)
    switch (entry.action) {
      case 'set':
        set.push(`${name} = ${placeholders.value(entry.value)}`)
        break
      case 'setIfNotExists':
        set.push(`${name} = if_not_exists(${name}, ${placeholders.value(entry.value)})`)
        break
      case 'remove':
        remove.push(name)
        break
      case 'add':
        add.push(`${name} ${placeholders.value(entry.value)}`)
        break
      case 'subtract': {
        // A missing attribute counts as 0, as ADD does, instead of failing the whole update.
        const zero = placeholders.value({ N: '0' })
        set.push(`${name} = if_not_exists(${name}, ${zero}) - ${placeholders.value(entry.value)}`)
        break
      }
      case 'append':
      case 'prepend': {
        const empty = placeholders.value({ L: [] })
        const current = `if_not_exists(${name}, ${empty})`
        const added = placeholders.value(entry.value)
        set.push(
          entry.action === 'append'
            ? `${name} = list_append(${current}, ${added})`
            : `${name} = list_append(${added}, ${current})`,
        )
        break
      }
      case 'deleteFromSet':
        del.push(`${name} ${placeholders.value(entry.value)}`)
        break
      default:
        throw new ValidationError('Not an update action', { details: { action: entry } })
    }
  }
  const clauses: string[] = []
  if (set.length > 0) clauses.push(`SET ${set.join(', ')}`)
  if (remove.length > 0) clauses.push(`REMOVE ${remove.join(', ')}`)
  if (add.length > 0) clauses.push(`ADD ${add.join(', ')}`)
  if (del.length > 0) clauses.push(`DELETE ${del.join(', ')}`)
  return clauses.join(' ')
}
