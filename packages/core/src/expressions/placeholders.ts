// Every attribute name and value reaches DynamoDB through a placeholder (#n0, :v0), so reserved words,
// dots, '#', ':' and any unicode name work, and no user text is ever spliced into an expression.
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ValidationError } from '../errors.ts'

/** One attribute name (a string, taken whole: `'a.b'` is one name) or a path of names and list indexes. */
export type AttributePath = string | readonly [string, ...(string | number)[]]

// The placeholders this class hands out; a name or value never reaches an expression any other way.
const PLACEHOLDER = /#n\d+|:v\d+/g

// DynamoDB limits a name to 64 KB; a key attribute to 255 bytes (checked by the model for keys).
const MAX_NAME_BYTES = 65_535

export function pathSegments(path: AttributePath): readonly (string | number)[] {
  return typeof path === 'string' ? [path] : path
}

export function checkAttributeName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError('An attribute name must be a non-empty string', { details: { name } })
  }
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new ValidationError('An attribute name is longer than 64 KB')
  }
}

/** Collects ExpressionAttributeNames and ExpressionAttributeValues for one request. */
export class Placeholders {
  readonly names: Record<string, string> = {}
  readonly values: Record<string, AttributeValue> = {}
  #byName = new Map<string, string>()
  #valueCount = 0

  name(name: string): string {
    checkAttributeName(name)
    let placeholder = this.#byName.get(name)
    if (placeholder === undefined) {
      placeholder = `#n${this.#byName.size}`
      this.#byName.set(name, placeholder)
      this.names[placeholder] = name
    }
    return placeholder
  }

  path(path: AttributePath): string {
    const segments = pathSegments(path)
    if (segments.length === 0) throw new ValidationError('An attribute path must not be empty')
    let out = ''
    for (const [index, segment] of segments.entries()) {
      if (typeof segment === 'number') {
        if (index === 0 || !Number.isSafeInteger(segment) || segment < 0) {
          throw new ValidationError(
            `Attribute path ${JSON.stringify(segments)}: a list index must follow a name`,
          )
        }
        out += `[${segment}]`
      } else {
        out += (index === 0 ? '' : '.') + this.name(segment)
      }
    }
    return out
  }

  value(value: AttributeValue): string {
    const placeholder = `:v${this.#valueCount++}`
    this.values[placeholder] = value
    return placeholder
  }

  /**
   * The two maps as the SDK wants them: absent when empty (DynamoDB rejects empty maps). Every
   * placeholder must appear in one of the input's `...Expression` fields: DynamoDB rejects a request
   * defining one that none uses, and an unused one means a condition was dropped, so it is refused here.
   */
  attach<T extends object>(
    input: T,
  ): T & {
    ExpressionAttributeNames?: Record<string, string>
    ExpressionAttributeValues?: Record<string, AttributeValue>
  } {
    const out = input as T & {
      ExpressionAttributeNames?: Record<string, string>
      ExpressionAttributeValues?: Record<string, AttributeValue>
    }
    this.#assertAllUsed(input)
    if (this.#byName.size > 0) out.ExpressionAttributeNames = this.names
    if (this.#valueCount > 0) out.ExpressionAttributeValues = this.values
    return out
  }

  #assertAllUsed(input: object): void {
    if (this.#byName.size === 0 && this.#valueCount === 0) return
    const used = new Set<string>()
    for (const [field, text] of Object.entries(input)) {
      if (!field.endsWith('Expression') || typeof text !== 'string') continue
      for (const token of text.matchAll(PLACEHOLDER)) used.add(token[0])
    }
    const unused = [...this.#byName.values(), ...Object.keys(this.values)].filter((token) => !used.has(token))
    if (unused.length > 0) {
      throw new ValidationError(
        `Placeholders ${unused.join(', ')} are defined but no expression uses them (DynamoDB would reject the request)`,
        { details: { unused } },
      )
    }
  }
}
