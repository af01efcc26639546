// SQS events as Lambda's event source mapping delivers them: a batch of records, each carrying its
// body, message attributes and the delivery's own metadata (receipt handle, receive count), which
// change on every redelivery of the same message.
import { createHash, randomUUID } from 'node:crypto'
import type { SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda'
import {
  md5OfMessageAttributes,
  type SqsMessageAttributeValue,
  sqsMessageAttribute,
} from './sqs-message-attributes.ts'

export interface SqsRecordOptions {
  /** A string is sent as is; anything else as JSON. */
  body: unknown
  /** Default a random UUID. The same on every redelivery of a message. */
  messageId?: string
  /** Default a new random handle: SQS issues one per delivery. */
  receiptHandle?: string
  /** `ApproximateReceiveCount`: 1 on the first delivery, more on redeliveries (default 1). */
  receiveCount?: number
  /** When the message was sent, epoch ms (default now). */
  sentTimestamp?: number
  /** When it was first received, epoch ms (default `sentTimestamp`). */
  firstReceiveTimestamp?: number
  messageAttributes?: Record<string, SqsMessageAttributeValue>
  /** FIFO queues only, and required there. */
  groupId?: string
  /** FIFO queues only (default the SHA-256 of the body, as content-based deduplication does). */
  deduplicationId?: string
}

export interface SqsEventOptions {
  /** 1 to 10000 records (Lambda never delivers an empty batch). */
  records: SqsRecordOptions[]
  /** Default `arn:aws:sqs:us-east-1:123456789012:test-queue`; a name ending in `.fifo` makes a FIFO queue. */
  queueArn?: string
}

const SQS_ARN = /^arn:aws[\w-]*:sqs:([a-z0-9-]+):(\d{12}):([\w-]{1,80}(?:\.fifo)?)$/
/** A sender id as SQS reports it for an IAM user (the delivery does not depend on it). */
const SENDER_ID = 'AIDAIENQZJOLO23YVJ4VO'

/** An SQS event with one record per entry of `records`, in order. */
export function sqsEvent(options: SqsEventOptions): SQSEvent {
  const queueArn = options.queueArn ?? 'arn:aws:sqs:us-east-1:123456789012:test-queue'
  const match = SQS_ARN.exec(queueArn)
  if (!match) throw new TypeError(`sqsEvent: ${queueArn} is not an SQS queue ARN`)
  const [, region, , queueName] = match as unknown as [string, string, string, string]
  const fifo = queueName.endsWith('.fifo')
  const count = options.records.length
  if (count < 1 || count > 10_000) {
    throw new RangeError(`sqsEvent: a batch holds 1 to 10000 records, not ${count}`)
  }
  return {
    Records: options.records.map((record, index) => sqsRecord(record, index, { queueArn, region, fifo })),
  }
}

interface Queue {
  queueArn: string
  region: string
  fifo: boolean
}

function sqsRecord(options: SqsRecordOptions, index: number, queue: Queue): SQSRecord {
  const position = `records[${index}]`
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  if (body === undefined) throw new TypeError(`sqsEvent: ${position}.body is not JSON`)
  const receiveCount = options.receiveCount ?? 1
  if (!Number.isInteger(receiveCount) || receiveCount < 1) {
    throw new RangeError(
      `sqsEvent: ${position}.receiveCount must be a whole number >= 1, not ${receiveCount}`,
    )
  }
  if (!queue.fifo && (options.groupId !== undefined || options.deduplicationId !== undefined)) {
    throw new TypeError(`sqsEvent: ${position} has a group or deduplication id, but the queue is not FIFO`)
  }
  if (queue.fifo && !options.groupId) {
    throw new TypeError(`sqsEvent: ${position} needs a groupId: FIFO queues require one`)
  }
  const sent = options.sentTimestamp ?? Date.now()
  const messageAttributes: Record<string, SQSMessageAttribute> = {}
  for (const [name, value] of Object.entries(options.messageAttributes ?? {})) {
    messageAttributes[name] = sqsMessageAttribute(name, value)
  }
  const hasAttributes = Object.keys(messageAttributes).length > 0
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: options.receiptHandle ?? `AQEB${randomUUID().replaceAll('-', '')}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(sent),
      SenderId: SENDER_ID,
      ApproximateFirstReceiveTimestamp: String(options.firstReceiveTimestamp ?? sent),
      ...(queue.fifo
        ? {
            // 20 digits, growing with the send time, as SQS numbers a FIFO queue's messages.
            SequenceNumber: (BigInt(sent) * 1_000_000n + BigInt(index)).toString().padStart(20, '0'),
            MessageGroupId: options.groupId,
            MessageDeduplicationId:
              options.deduplicationId ?? createHash('sha256').update(body).digest('hex'),
          }
        : {}),
    },
    messageAttributes,
    ...(hasAttributes ? { md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes) } : {}),
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.queueArn,
    awsRegion: queue.region,
  }
}
