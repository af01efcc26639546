// UpdateItem from typed changes. The update never creates an item unless asked (upsert), keeps
// createdAt with if_not_exists, bumps the version, and keeps index keys in step with the attributes
// they are built from (or refuses when it cannot).
import {
  type AttributeValue,
  type TransactWriteItem,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb'
import { type AttributeSpec, ownAttribute, resolveDefault, toAttributeValue } from '../attributes.ts'
import type { Db } from '../db.ts'
import { ValidationError } from '../errors.ts'
import type { Condition, ConditionBuilder } from '../expressions/condition.ts'
import { type AttributePath, Placeholders } from '../expressions/placeholders.ts'
import { compileUpdate, type UpdateAction } from '../expressions/update.ts'
import { renderKey } from '../key-template.ts'
import { type AttributeMap, marshallValue } from '../marshall.ts'
import {
  type AnyModel,
  attributeAt,
  type ExpectedVersionOf,
  type ItemOf,
  type KeyOf,
  keyAttributes,
  type PlainItemOf,
} from '../model.ts'
import { pathInMessage } from '../path-in-message.ts'
import { attachCondition, expectedVersionOf, writeCondition } from './write-condition.ts'
import {
  sameStoredValue,
  sendWrite,
  transformForWrite,
  type WriteAnswer,
  withoutReturnValues,
} from './write-support.ts'

type Types<M extends AnyModel> = NonNullable<M['~types']>
/** Attributes an update may change: not key attributes, not the version, not the timestamps. */
export type UpdatableOf<M extends AnyModel> = Omit<
  ItemOf<M>,
  Types<M>['keyNames'] | Types<M>['versionName'] | 'createdAt' | 'updatedAt'
>
type NamesWhere<T, V> = { [K in keyof T]-?: NonNullable<T[K]> extends V ? K : never }[keyof T] & string
type OptionalNames<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T] & string
type Plain<M extends AnyModel> = Omit<UpdatableOf<M>, Types<M>['encrypted']>

export interface UpdateChanges<M extends AnyModel> {
  /** SET attribute = value. */
  set?: Partial<UpdatableOf<M>>
  /** SET attribute = if_not_exists(attribute, value). */
  setIfNotExists?: Partial<UpdatableOf<M>>
  /** REMOVE optional attributes. */
  remove?: readonly OptionalNames<UpdatableOf<M>>[]
  /** ADD to a number (atomic counter) or add elements to a set. */
  add?: { [K in NamesWhere<Plain<M>, number | bigint | Set<any>>]?: NonNullable<Plain<M>[K]> }
  /** SET attribute = attribute - value (a missing attribute counts as 0). */
  subtract?: { [K in NamesWhere<Plain<M>, number | bigint>]?: NonNullable<Plain<M>[K]> }
  /** Append elements to the end of a list. */
  append?: { [K in NamesWhere<Plain<M>, readonly unknown[]>]?: NonNullable<Plain<M>[K]> }
  /** Prepend elements to the start of a list. */
  prepend?: { [K in NamesWhere<Plain<M>, readonly unknown[]>]?: NonNullable<Plain<M>[K]> }
  /** DELETE elements from a set. */
  deleteFromSet?: { [K in NamesWhere<Plain<M>, Set<any>>]?: NonNullable<Plain<M>[K]> }
  /** SET on nested paths (a map's field, a list's element): `[['card', 'brand'], 'visa']`. */
  setPaths?: readonly (readonly [path: NestedPath<Plain<M>>, value: unknown])[]
  /** REMOVE nested paths. */
  removePaths?: readonly NestedPath<Plain<M>>[]
}

/** A path into an attribute: its name (a map or a list), then map field names and list indexes. */
export type NestedPath<T> = readonly [NestedRoots<T>, string | number, ...(string | number)[]]
type NestedRoots<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[]
    ? K
    : NonNullable<T[K]> extends Date | Uint8Array | Set<unknown>
      ? never
      : NonNullable<T[K]> extends object
        ? K
        : never
}[keyof T] &
  string

export type ReturnValuesOption = 'ALL_NEW' | 'ALL_OLD' | 'UPDATED_NEW' | 'UPDATED_OLD' | 'NONE'

export interface UpdateOptions<M extends AnyModel> {
  table?: string
  where?: (c: ConditionBuilder<PlainItemOf<M>>) => Condition
  /**
   * Optimistic locking: update only at this version (else OptimisticLockError); the version is bumped.
   * A model without a version has nothing to check it against: a compile error (and a ValidationError).
   */
  expectedVersion?: ExpectedVersionOf<M>
  /**
   * Create the item when it does not exist (default false: a missing item is a NotFoundError). It is then
   * created as `create` would make it: key attributes, defaults of attributes the update leaves alone,
   * and every required attribute without a default among the changes (else a ValidationError).
   */
  upsert?: boolean
  /** What to return (default ALL_NEW). */
  returnValues?: ReturnValuesOption
  now?: Date
}

export interface BuiltUpdate {
  input: UpdateItemCommandInput & { ExpressionAttributeValues: Record<string, AttributeValue> }
  expectedVersion: number | undefined
}

// An update before compilation: the item transformer may still seal values and add attributes.
interface UpdatePlan {
  actions: UpdateAction[]
  /** Positions in `actions` of (if-not-exists) SETs of encrypted attributes. */
  encrypted: number[]
  condition: Condition | undefined
  expectedVersion: number | undefined
  table: string
  key: AttributeMap
  returnValues: ReturnValuesOption
}

function attributeFor(model: AnyModel, name: string, action: string): AttributeSpec {
  const attr = attributeAt(model, name)
  if (attr === undefined) {
    throw new ValidationError(`${model.name}: ${pathInMessage(name)} is not an attribute of the model`)
  }
  if (model.keyVariables.has(name)) {
    throw new ValidationError(
      `${model.name}: ${name} is part of the primary key and cannot be updated (${action})`,
    )
  }
  if (attr.isEncrypted && action !== 'set' && action !== 'remove' && action !== 'setIfNotExists') {
    throw new ValidationError(`${model.name}: encrypted attribute ${name} can only be set or removed`)
  }
  return attr
}

// A nested path starts at a map or list attribute of the model (keys and encrypted attributes are out)
// and follows its schema: a map's declared fields, a list's indexes; only a map without fields takes any
// member. Returns the attribute at the path, undefined inside a map without fields. A required field
// cannot be removed, as create would refuse the map without it.
function nestedTarget(
  model: AnyModel,
  path: readonly (string | number)[],
  removing: boolean,
): AttributeSpec | undefined {
  if (!Array.isArray(path) || path.length < 2 || typeof path[0] !== 'string') {
    throw new ValidationError(`${model.name}: a nested path is [attribute, field or index, ...]`)
  }
  let attr: AttributeSpec | undefined = attributeFor(model, path[0], 'a nested update')
  if (attr.isEncrypted)
    throw new ValidationError(`${model.name}: encrypted attribute ${path[0]} cannot be updated in part`)
  if (attr.kind !== 'map' && attr.kind !== 'list') {
    throw new ValidationError(`${model.name}: ${path[0]} is not a map or a list`)
  }
  for (const segment of path.slice(1)) {
    if (attr.kind === 'map' && attr.fields === undefined) return undefined
    const next: AttributeSpec | undefined =
      attr.kind === 'list' && typeof segment === 'number'
        ? attr.element
        : attr.kind === 'map' && typeof segment === 'string'
          ? ownAttribute(attr.fields, segment)
          : undefined
    if (next === undefined) {
      throw new ValidationError(`${model.name}: ${pathInMessage(path.join('.'))} is not in the schema`)
    }
    if (removing && next.isRequired && typeof segment === 'string') {
      throw new ValidationError(
        `${model.name}: required field ${pathInMessage(path.join('.'))} cannot be removed`,
      )
    }
    attr = next
  }
  return attr
}

const isNumeric = (attr: AttributeSpec) =>
  attr.kind === 'number' || attr.kind === 'bigint' || attr.kind === 'decimal'
const isSet = (attr: AttributeSpec) => attr.kind === 'stringSet' || attr.kind === 'numberSet'

function entries(record: object | undefined): [string, unknown][] {
  return record === undefined ? [] : Object.entries(record).filter(([, value]) => value !== undefined)
}

function planUpdate<M extends AnyModel>(
  model: M,
  key: KeyOf<M>,
  changes: UpdateChanges<M>,
  options: UpdateOptions<M>,
): UpdatePlan {
  const actions: UpdateAction[] = []
  const encrypted: number[] = []
  const assigned: Record<string, unknown> = { ...key }
  const touched = new Set<string>()
  const removed = new Set<string>()
  const set = (kind: 'set' | 'setIfNotExists', record: object | undefined) => {
    for (const [name, value] of entries(record)) {
      const attr = attributeFor(model, name, kind)
      const stored = toAttributeValue(attr, value, name)
      if (attr.isEncrypted) encrypted.push(actions.length)
      actions.push({ action: kind, path: name, value: stored })
      touched.add(name)
      if (kind === 'set') assigned[name] = value
    }
  }
  set('set', changes.set)
  set('setIfNotExists', changes.setIfNotExists)
  for (const name of changes.remove ?? []) {
    const attr = attributeFor(model, name, 'remove')
    if (attr.isRequired)
      throw new ValidationError(`${model.name}: required attribute ${name} cannot be removed`)
    actions.push({ action: 'remove', path: name })
    removed.add(name)
  }
  for (const [name, value] of entries(changes.add)) {
    const attr = attributeFor(model, name, 'add')
    if (!isNumeric(attr) && !isSet(attr))
      throw new ValidationError(`${model.name}: add() needs a number or a set (${name})`)
    actions.push({
      action: 'add',
      path: name,
      value: toAttributeValue({ ...attr, validators: [] }, value, name),
    })
    touched.add(name)
  }
  for (const [name, value] of entries(changes.subtract)) {
    const attr = attributeFor(model, name, 'subtract')
    if (!isNumeric(attr)) throw new ValidationError(`${model.name}: subtract() needs a number (${name})`)
    actions.push({
      action: 'subtract',
      path: name,
      value: toAttributeValue({ ...attr, validators: [] }, value, name),
    })
    touched.add(name)
  }
  for (const kind of ['append', 'prepend'] as const) {
    for (const [name, value] of entries(changes[kind])) {
      const attr = attributeFor(model, name, kind)
      if (attr.kind !== 'list') throw new ValidationError(`${model.name}: ${kind}() needs a list (${name})`)
      actions.push({ action: kind, path: name, value: toAttributeValue(attr, value, name) })
      touched.add(name)
    }
  }
  for (const [name, value] of entries(changes.deleteFromSet)) {
    const attr = attributeFor(model, name, 'deleteFromSet')
    if (!isSet(attr)) throw new ValidationError(`${model.name}: deleteFromSet() needs a set (${name})`)
    actions.push({
      action: 'deleteFromSet',
      path: name,
      value: toAttributeValue({ ...attr, validators: [] }, value, name),
    })
    touched.add(name)
  }
  for (const [path, value] of changes.setPaths ?? []) {
    const attr = nestedTarget(model, path, false)
    if (value === undefined)
      throw new ValidationError(`${model.name}: setPaths value for ${path.join('.')} is undefined`)
    const label = path.join('.')
    actions.push({
      action: 'set',
      path: path as AttributePath,
      value: attr === undefined ? marshallValue(value, label) : toAttributeValue(attr, value, label),
    })
  }
  for (const path of changes.removePaths ?? []) {
    nestedTarget(model, path, true)
    actions.push({ action: 'remove', path: path as AttributePath })
  }
  if (actions.length === 0) throw new ValidationError(`${model.name}: an update needs at least one change`)
  maintainIndexes(model, assigned, touched, removed, actions)

  const now = (options.now ?? new Date()).toISOString()
  if (model.timestamps) {
    actions.push({ action: 'set', path: 'updatedAt', value: { S: now } })
    actions.push({ action: 'setIfNotExists', path: 'createdAt', value: { S: now } })
  }
  const expectedVersion = expectedVersionOf(model, options.expectedVersion)
  if (model.version !== undefined) {
    actions.push(
      expectedVersion === undefined
        ? { action: 'add', path: model.version, value: { N: '1' } }
        : { action: 'set', path: model.version, value: { N: String(expectedVersion + 1) } },
    )
  }
  if (model.entityAttribute !== undefined && options.upsert) {
    actions.push({ action: 'set', path: model.entityAttribute, value: { S: model.name } })
  }
  // An upsert may create the item: it needs its key attributes, as a created one has (reads give them
  // back from there, not from pk/sk). The key renders only from these values, so setting them changes
  // nothing on an existing item.
  if (options.upsert) {
    for (const name of model.keyVariables) {
      const attr = attributeAt(model, name) as AttributeSpec
      actions.push({ action: 'set', path: name, value: toAttributeValue(attr, assigned[name], name) })
    }
    const defaults = upsertDefaults(model, touched, actions, encrypted)
    upsertIndexKeys(model, { ...assigned, ...defaults }, touched, removed, actions)
  }

  const condition = writeCondition(model, {
    mustExist: !options.upsert,
    expectedVersion,
    where: options.where,
  })
  return {
    actions,
    encrypted,
    condition,
    expectedVersion,
    table: options.table ?? model.table,
    key: keyAttributes(model, key),
    returnValues: options.returnValues ?? 'ALL_NEW',
  }
}

function compilePlan(model: AnyModel, plan: UpdatePlan): BuiltUpdate {
  const placeholders = new Placeholders()
  const params = {
    TableName: plan.table,
    Key: plan.key,
    UpdateExpression: compileUpdate(plan.actions, placeholders),
    ReturnValues: plan.returnValues,
  } as UpdateItemCommandInput
  attachCondition(model, params, plan.condition, placeholders)
  return { input: placeholders.attach(params) as BuiltUpdate['input'], expectedVersion: plan.expectedVersion }
}

/** Builds the UpdateItem without sending (encrypted values not yet sealed): pure and synchronous. */
export function buildUpdate<M extends AnyModel>(
  model: M,
  key: KeyOf<M>,
  changes: UpdateChanges<M>,
  options: UpdateOptions<M> = {},
): BuiltUpdate {
  return compilePlan(model, planUpdate(model, key, changes, options))
}

// An index key is a rendering of attributes; changing one of them must re-render the key, or the
// index silently goes stale.
function maintainIndexes(
  model: AnyModel,
  assigned: Record<string, unknown>,
  touched: Set<string>,
  removed: Set<string>,
  actions: UpdateAction[],
): void {
  for (const index of Object.values(model.indexes)) {
    const variables = [...(index.pk?.variables ?? []), ...(index.sk?.variables ?? [])]
    if (!variables.some((name) => touched.has(name) || removed.has(name))) continue
    if (variables.some((name) => removed.has(name))) {
      if (!index.sparse)
        throw new ValidationError(`${model.name}: removing an attribute of index ${index.name} (not sparse)`)
      if (index.type === 'gsi') actions.push({ action: 'remove', path: index.pkAttribute })
      if (index.skAttribute !== undefined) actions.push({ action: 'remove', path: index.skAttribute })
      continue
    }
    const missing = variables.filter((name) => assigned[name] === undefined)
    if (missing.length > 0) {
      throw new ValidationError(
        `${model.name}: this update changes index ${index.name}; also set ${missing.join(', ')} so its key can be rebuilt`,
      )
    }
    if (index.pk !== undefined && index.type === 'gsi') {
      actions.push({
        action: 'set',
        path: index.pkAttribute,
        value: { S: renderKey(index.pk, assigned, model.delimiter) },
      })
    }
    if (index.sk !== undefined && index.skAttribute !== undefined) {
      actions.push({
        action: 'set',
        path: index.skAttribute,
        value: { S: renderKey(index.sk, assigned, model.delimiter) },
      })
    }
  }
}

/**
 * What an upsert that creates the item must write besides the key, so the item is one `create` would
 * have made: each attribute the update leaves alone gets its default (only where absent), and a
 * required one without a default is a ValidationError, before anything is sent. Returns the defaults.
 */
function upsertDefaults(
  model: AnyModel,
  touched: ReadonlySet<string>,
  actions: UpdateAction[],
  encrypted: number[],
): Record<string, unknown> {
  const defaults: Record<string, unknown> = {}
  for (const [name, attr] of Object.entries(model.attributes) as [string, AttributeSpec][]) {
    if (touched.has(name) || model.keyVariables.has(name)) continue
    if (attr.hasDefault) {
      if (attr.isEncrypted) encrypted.push(actions.length)
      defaults[name] = resolveDefault(attr)
      const value = toAttributeValue(attr, defaults[name], name)
      actions.push({ action: 'setIfNotExists', path: name, value })
    } else if (attr.isRequired) {
      throw new ValidationError(
        `${model.name}: an upsert may create the item, so it must also set ${name} (required, no default)`,
        { details: { attribute: name } },
      )
    }
  }
  return defaults
}

/**
 * The index keys of an item the upsert creates, for indexes the update leaves alone: rendered from the
 * key and the defaults, and written only where absent, as those defaults are, so an existing item keeps
 * the keys of the values it holds.
 */
function upsertIndexKeys(
  model: AnyModel,
  values: Record<string, unknown>,
  touched: ReadonlySet<string>,
  removed: ReadonlySet<string>,
  actions: UpdateAction[],
): void {
  for (const index of Object.values(model.indexes)) {
    const variables = [...(index.pk?.variables ?? []), ...(index.sk?.variables ?? [])]
    if (variables.some((name) => touched.has(name) || removed.has(name))) continue
    if (variables.some((name) => values[name] === undefined)) continue
    if (index.pk !== undefined && index.type === 'gsi') {
      const value = { S: renderKey(index.pk, values, model.delimiter) }
      actions.push({ action: 'setIfNotExists', path: index.pkAttribute, value })
    }
    if (index.sk !== undefined && index.skAttribute !== undefined) {
      const value = { S: renderKey(index.sk, values, model.delimiter) }
      actions.push({ action: 'setIfNotExists', path: index.skAttribute, value })
    }
  }
}

/** The UpdateItem input: pure and synchronous. */
export function updateParams<M extends AnyModel>(
  model: M,
  key: KeyOf<M>,
  changes: UpdateChanges<M>,
  options?: UpdateOptions<M>,
): UpdateItemCommandInput {
  return buildUpdate(model, key, changes, options).input
}

// Seals encrypted values through the item transformer (as a partial item: only these values and the
// key) and SETs every other attribute it returns, so a beacon or data-key reference derived from the
// old value never outlives it.
async function sealEncrypted(db: Db, model: AnyModel, plan: UpdatePlan): Promise<void> {
  for (const kind of ['set', 'setIfNotExists'] as const) {
    const positions = plan.encrypted.filter((position) => plan.actions[position]!.action === kind)
    if (positions.length === 0) continue
    const plain: AttributeMap = {}
    for (const position of positions) {
      const action = plan.actions[position] as { path: string; value: AttributeValue }
      plain[action.path] = action.value
    }
    const sealed = await transformForWrite(db, model, plan.table, plain, plan.key)
    for (const position of positions) {
      const name = plan.actions[position]!.path as string
      // Sending the plaintext because a codec skipped a field would defeat `.encrypted()`.
      if (sealed[name] === undefined) {
        throw new ValidationError(`${model.name}: the item transformer returned no value for ${name}`)
      }
      plan.actions[position] = { action: kind, path: name, value: sealed[name] }
    }
    for (const [name, value] of Object.entries(sealed)) {
      if (name in plain) continue
      if (name in plan.key) {
        throw new ValidationError(`${model.name}: the item transformer cannot write key attribute ${name}`)
      }
      // if_not_exists may keep the old value while a derived attribute (its beacon) would change or
      // stay stale: refuse rather than leave the two out of step.
      if (kind === 'setIfNotExists') {
        throw new ValidationError(
          `${model.name}: setIfNotExists on ${Object.keys(plain).join(', ')} cannot keep ${name} in step; use set`,
        )
      }
      plan.actions.push({ action: 'set', path: name, value })
    }
  }
}

// An encrypted attribute removed takes what the transformer derived from it (its beacon) along.
function removeDerived(db: Db, model: AnyModel, plan: UpdatePlan): void {
  const transformer = db.options.transformer
  if (transformer?.derivedAttributes === undefined) return
  for (const action of [...plan.actions]) {
    if (action.action !== 'remove' || !model.encrypted.includes(action.path as string)) continue
    for (const name of transformer.derivedAttributes(action.path as string)) {
      plan.actions.push({ action: 'remove', path: name })
    }
  }
}

/** The update as sent: encrypted values sealed, derived attributes set or removed with them. */
async function sealedUpdate<M extends AnyModel>(
  db: Db,
  model: M,
  key: KeyOf<M>,
  changes: UpdateChanges<M>,
  options: UpdateOptions<M>,
): Promise<BuiltUpdate & { plan: UpdatePlan }> {
  const plan = planUpdate(model, key, changes, options)
  await sealEncrypted(db, model, plan)
  removeDerived(db, model, plan)
  return { ...compilePlan(model, plan), plan }
}

function storedAt(item: AttributeMap, path: AttributePath): AttributeValue | undefined {
  const [name, ...rest] = typeof path === 'string' ? [path] : path
  let value = item[name]
  for (const segment of rest) value = typeof segment === 'number' ? value?.L?.[segment] : value?.M?.[segment]
  return value
}

/**
 * The answer a lost first copy of this update had, when the item its resend was refused by is provably
 * what it left: every SET holds the value sent, every REMOVE is gone, and the item carries this call's
 * own mark (the version expected + 1, or its updatedAt stamp). An add, subtract, append or set delete
 * cannot be told from another writer's, and the old item (ALL_OLD, UPDATED_OLD) is gone: those stay refused.
 */
function ownUpdateAnswer(model: AnyModel, plan: UpdatePlan, stored: AttributeMap): WriteAnswer | undefined {
  if (plan.returnValues === 'ALL_OLD' || plan.returnValues === 'UPDATED_OLD') return undefined
  if (plan.expectedVersion === undefined && !model.timestamps) return undefined
  for (const action of plan.actions) {
    const value = storedAt(stored, action.path)
    const holds =
      action.action === 'set'
        ? sameStoredValue(action.value, value)
        : action.action === 'remove'
          ? value === undefined
          : action.action === 'setIfNotExists' ||
            // The version's own bump: the updatedAt stamp (required above without a version) tells whose.
            (action.action === 'add' && action.path === model.version)
    if (!holds) return undefined
  }
  if (plan.returnValues === 'NONE') return {}
  if (plan.returnValues === 'ALL_NEW') return { Attributes: stored }
  const updated = new Set(plan.actions.map(({ path }) => (typeof path === 'string' ? path : path[0])))
  return { Attributes: Object.fromEntries(Object.entries(stored).filter(([name]) => updated.has(name))) }
}

/** Sends an update; returns the item as ReturnValues asks (ALL_NEW by default). */
export async function updateItem<M extends AnyModel>(
  db: Db,
  model: M,
  key: KeyOf<M>,
  changes: UpdateChanges<M>,
  options: Omit<UpdateOptions<M>, 'table'> = {},
): Promise<ItemOf<M> | undefined> {
  const table = db.tableName(model.table)
  const built = await sealedUpdate(db, model, key, changes, { ...options, table })
  return sendWrite(db, model, table, () => db.send(new UpdateItemCommand(built.input)), {
    expectedVersion: built.expectedVersion,
    requireExisting: !options.upsert,
    ownAnswer: (stored) => ownUpdateAnswer(model, built.plan, stored),
  })
}

export async function updateTransactItem<M extends AnyModel>(
  db: Db,
  model: M,
  key: KeyOf<M>,
  changes: UpdateChanges<M>,
  options: Omit<UpdateOptions<M>, 'table' | 'returnValues'> = {},
): Promise<TransactWriteItem> {
  const table = db.tableName(model.table)
  const built = await sealedUpdate(db, model, key, changes, { ...options, table })
  return { Update: withoutReturnValues(built.input) as NonNullable<TransactWriteItem['Update']> }
}
