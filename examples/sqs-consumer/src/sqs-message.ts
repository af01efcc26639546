// SQS records as Lambda receives them, for the demo and the tests (no SQS emulator is reachable here).
import { randomUUID } from 'node:crypto'
import type { SQSRecord } from 'aws-lambda'

export interface SqsMessageOptions {
  messageId?: string
  body: string | object
  /** Sets the `eventId` message attribute. */
  eventId?: string
  /** 1 on first delivery, more on redeliveries. */
  receiveCount?: number
  /** FIFO queues only. */
  groupId?: string
}

export function sqsMessage(options: SqsMessageOptions): SQSRecord {
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(options.groupId === undefined ? {} : { MessageGroupId: options.groupId }),
    },
    messageAttributes:
      options.eventId === undefined
        ? {}
        : {
            eventId: {
              dataType: 'String',
              stringValue: options.eventId,
              stringListValues: [],
              binaryListValues: [],
            },
          },
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:settlements${options.groupId === undefined ? '' : '.fifo'}`,
    awsRegion: 'us-east-1',
  }
}
