// What is fingerprinted when no `payload` option is given: what a request says, never how it was
// delivered. Delivery metadata (an SQS receipt handle and receive count, an EventBridge id and time)
// changes between deliveries of the same request and would turn a redelivery into a 422.

interface SqsRecordShape {
  eventSource?: unknown
  body?: unknown
  messageAttributes?: Record<
    string,
    { dataType?: unknown; stringValue?: unknown; binaryValue?: unknown }
  > | null
}

interface EventBridgeShape {
  source?: unknown
  'detail-type'?: unknown
  detail?: unknown
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

const isSqsRecord = (value: unknown): value is SqsRecordShape =>
  isObject(value) && value.eventSource === 'aws:sqs' && typeof value.body === 'string'

/**
 * An SQS record's message: its body exactly as sent (not re-read as JSON, where two large amounts can
 * parse to the same number) and its attributes' types and values. Not the message id: a producer that
 * re-sends the same message gets a new one.
 */
function sqsMessage(record: SqsRecordShape): unknown {
  const attributes: Record<string, unknown> = {}
  for (const [name, attribute] of Object.entries(record.messageAttributes ?? {})) {
    attributes[name] = {
      dataType: attribute.dataType,
      stringValue: attribute.stringValue ?? undefined,
      binaryValue: attribute.binaryValue ?? undefined,
    }
  }
  return { body: record.body, messageAttributes: attributes }
}

/**
 * The default payload of an event: the parsed body of an HTTP event; each record's message of an SQS
 * event (or of one SQS record, for handlers that take records one by one); `source`, `detail-type`
 * and `detail` of an EventBridge event; any other event whole.
 */
export function defaultPayload(event: unknown, http: boolean): unknown {
  if (http) return (event as { body?: unknown }).body
  if (!isObject(event)) return event
  if (isSqsRecord(event)) return sqsMessage(event)
  const records = (event as { Records?: unknown }).Records
  if (Array.isArray(records) && records.length > 0 && records.every(isSqsRecord))
    return records.map(sqsMessage)
  const bridged = event as EventBridgeShape
  if (
    typeof bridged['detail-type'] === 'string' &&
    typeof bridged.source === 'string' &&
    'detail' in bridged
  ) {
    return { source: bridged.source, 'detail-type': bridged['detail-type'], detail: bridged.detail }
  }
  return event
}
