// defineModel: checks a model definition once (at container init) and returns the model, which carries
// the constructor of its bound operations so that only code that defines models bundles them.
import { isScalarKind } from './attributes.ts'
import type { Db } from './db.ts'
import { Entity } from './entity.ts'
import { ValidationError } from './errors.ts'
import { checkAttributeName } from './expressions/placeholders.ts'
import { type KeyTemplate, parseKeyTemplate } from './key-template.ts'
import type {
  Attributes,
  IndexDefinition,
  IndexRuntime,
  KeyDefinition,
  Model,
  ModelDefinition,
} from './model.ts'

// DynamoDB's limit on the name of a table's or an index's key attribute.
const MAX_KEY_ATTRIBUTE_NAME_BYTES = 255

/** Defines a model; checks the definition once and throws ValidationError on any mistake. */
export function defineModel<
  const A extends Attributes,
  const K extends KeyDefinition,
  const I extends Record<string, IndexDefinition> = {},
  const V extends string | undefined = undefined,
  const T extends boolean = false,
>(definition: ModelDefinition<A, K, I, V, T>): Model<A, K, I, V, T> {
  const { name, table, attributes } = definition
  if (typeof name !== 'string' || name.length === 0) throw new ValidationError('A model needs a name')
  if (typeof table !== 'string' || table.length === 0)
    throw new ValidationError(`Model ${name} needs a table`)
  for (const attributeName of Object.keys(attributes)) checkAttributeName(attributeName)
  const delimiter = definition.keyDelimiter ?? '#'
  const pkAttribute = definition.keyAttributes?.pk ?? 'pk'
  const skAttribute = definition.keyAttributes?.sk ?? 'sk'
  const entityAttribute = definition.entityAttribute ?? '__entity'
  const internal = new Set([pkAttribute, entityAttribute])
  const encrypted = Object.keys(attributes).filter((attributeName) => attributes[attributeName]!.isEncrypted)

  const checkTemplate = (source: string | undefined, where: string): KeyTemplate | undefined => {
    if (source === undefined) return undefined
    const template = parseKeyTemplate(source)
    for (const variable of template.variables) {
      const attr = attributes[variable]
      if (attr === undefined)
        throw new ValidationError(`Model ${name}: ${where} uses {${variable}}, not an attribute`)
      if (attr.isEncrypted) {
        throw new ValidationError(
          `Model ${name}: ${where} uses encrypted attribute ${variable}; keys are stored in clear`,
        )
      }
      if (!isScalarKind(attr.kind))
        throw new ValidationError(`Model ${name}: ${where} uses non-scalar ${variable}`)
    }
    // Values may not hold the delimiter, so only text holding it keeps two values apart: with
    // 'A#{a}-{b}', { a: 'x-y', b: 'z' } and { a: 'x', b: 'y-z' } would be one key.
    const between = template.literals.slice(1, -1)
    if (delimiter !== '' && between.some((literal) => !literal.includes(delimiter))) {
      throw new ValidationError(
        `Model ${name}: ${where} ${JSON.stringify(source)} needs the key delimiter ${JSON.stringify(delimiter)} between two variables`,
      )
    }
    return template
  }

  const pk = checkTemplate(definition.key.pk, 'key.pk') as KeyTemplate
  const sk = checkTemplate(definition.key.sk, 'key.sk')
  if (sk !== undefined) internal.add(skAttribute)
  const indexes: Record<string, IndexRuntime> = {}
  for (const [indexKey, index] of Object.entries(definition.indexes ?? {}) as [string, IndexDefinition][]) {
    const indexName = index.indexName ?? indexKey
    if (index.type === 'gsi') {
      const runtime: IndexRuntime = {
        name: indexName,
        type: 'gsi',
        pk: checkTemplate(index.pk, `index ${indexKey} pk`),
        sk: checkTemplate(index.sk, `index ${indexKey} sk`),
        pkAttribute: index.pkAttribute ?? `${indexName}pk`,
        skAttribute: index.sk === undefined ? undefined : (index.skAttribute ?? `${indexName}sk`),
        sparse: index.sparse ?? false,
      }
      indexes[indexKey] = runtime
      internal.add(runtime.pkAttribute)
      if (runtime.skAttribute !== undefined) internal.add(runtime.skAttribute)
    } else if (index.type === 'lsi') {
      const runtime: IndexRuntime = {
        name: indexName,
        type: 'lsi',
        pk: undefined,
        sk: checkTemplate(index.sk, `index ${indexKey} sk`),
        pkAttribute,
        skAttribute: index.skAttribute ?? `${indexName}sk`,
        sparse: index.sparse ?? false,
      }
      indexes[indexKey] = runtime
      internal.add(runtime.skAttribute as string)
    } else {
      throw new ValidationError(`Model ${name}: index ${indexKey} must have type 'gsi' or 'lsi'`)
    }
  }
  // Names DynamoDB refuses at every write: empty ones, and key attribute names over 255 bytes.
  for (const attributeName of [
    entityAttribute,
    ...(definition.version === undefined ? [] : [definition.version]),
  ])
    checkAttributeName(attributeName)
  for (const keyAttribute of internal) {
    if (keyAttribute === entityAttribute) continue
    checkAttributeName(keyAttribute)
    if (Buffer.byteLength(keyAttribute) > MAX_KEY_ATTRIBUTE_NAME_BYTES) {
      throw new ValidationError(`Model ${name}: a key attribute name is longer than 255 bytes`)
    }
  }
  const managed = [definition.version, ...(definition.timestamps ? ['createdAt', 'updatedAt'] : [])]
  for (const attributeName of [...Object.keys(attributes), ...managed]) {
    if (attributeName !== undefined && internal.has(attributeName)) {
      throw new ValidationError(
        `Model ${name}: attribute ${attributeName} clashes with a key or entity attribute`,
      )
    }
  }
  for (const managedName of managed) {
    const declared = managedName === undefined ? undefined : attributes[managedName]
    if (declared?.isEncrypted) throw new ValidationError(`Model ${name}: ${managedName} cannot be encrypted`)
  }
  if (definition.ttl !== undefined) {
    const ttl = attributes[definition.ttl]
    const epoch = ttl?.kind === 'number' || (ttl?.kind === 'date' && ttl.dateFormat === 'epochSeconds')
    if (!epoch || ttl?.isEncrypted) {
      throw new ValidationError(
        `Model ${name}: ttl ${definition.ttl} must be a number or date('epochSeconds')`,
      )
    }
  }
  const model: Model<A, K, I, V, T> = {
    name,
    table,
    attributes,
    pk,
    sk,
    pkAttribute,
    skAttribute,
    indexes,
    version: definition.version,
    timestamps: definition.timestamps ?? false,
    ttl: definition.ttl,
    entityAttribute,
    delimiter,
    encrypted,
    keyVariables: new Set([...pk.variables, ...(sk?.variables ?? [])]),
    internalAttributes: internal,
    '~entity': (db: Db) => new Entity(db, model),
  }
  return model
}
