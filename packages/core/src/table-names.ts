import { ValidationError } from './errors.ts'

/** A prefix (`'partner-a-'` turns `payments` into `partner-a-payments`) or a function of the logical name. */
export type TableNameResolver = string | ((logicalName: string) => string)

// DynamoDB's table-name rule: 3-255 characters of [a-zA-Z0-9_.-].
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/

export function resolveTableName(resolver: TableNameResolver | undefined, logicalName: string): string {
  const physical =
    resolver === undefined
      ? logicalName
      : typeof resolver === 'string'
        ? `${resolver}${logicalName}`
        : resolver(logicalName)
  if (!TABLE_NAME.test(physical)) {
    throw new ValidationError(
      `Table name ${JSON.stringify(physical)} (for ${JSON.stringify(logicalName)}) is not valid`,
    )
  }
  return physical
}
