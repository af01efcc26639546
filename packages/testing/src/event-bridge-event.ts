// EventBridge events as a rule's Lambda target receives them. A retried delivery carries the same
// id and time; a producer that puts the same event again gets a new id and time.
import { randomUUID } from 'node:crypto'
import type { EventBridgeEvent } from 'aws-lambda'

export interface EventBridgeEventOptions<TDetailType extends string, TDetail> {
  source: string
  detailType: TDetailType
  /** A JSON object; delivered as JSON carries it (dates become strings, undefined members vanish). */
  detail: TDetail
  /** Default a random UUID. */
  id?: string
  /** Default now; delivered to the second, as EventBridge does (`2026-01-01T12:00:00Z`). */
  time?: Date | string
  /** Default '123456789012'. */
  account?: string
  /** Default 'us-east-1'. */
  region?: string
  /** ARNs the event concerns (default none). */
  resources?: string[]
  /** Set when the event comes from an archive replay. */
  replayName?: string
}

export function eventBridgeEvent<TDetailType extends string, TDetail>(
  options: EventBridgeEventOptions<TDetailType, TDetail>,
): EventBridgeEvent<TDetailType, TDetail> {
  if (!options.source) throw new TypeError('eventBridgeEvent: source must not be empty')
  if (!options.detailType) throw new TypeError('eventBridgeEvent: detailType must not be empty')
  const detail = options.detail
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    throw new TypeError('eventBridgeEvent: detail must be a JSON object, as PutEvents requires')
  }
  const time = options.time === undefined ? new Date() : new Date(options.time)
  if (Number.isNaN(time.getTime()))
    throw new RangeError(`eventBridgeEvent: time ${String(options.time)} is not a date`)
  return {
    version: '0',
    id: options.id ?? randomUUID(),
    'detail-type': options.detailType,
    source: options.source,
    account: options.account ?? '123456789012',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: options.region ?? 'us-east-1',
    resources: options.resources ?? [],
    detail: JSON.parse(JSON.stringify(detail)) as TDetail,
    ...(options.replayName === undefined ? {} : { 'replay-name': options.replayName }),
  }
}
