// POST /payments/search?cursor=... { cardNumber }: "payments with this card", oldest first, through the
// GSI on the card number's beacon (a keyed hash), without decrypting anything. A POST, so the number
// never sits in a URL or an access log. A page, not all of them: a card behind a chargeback or a fraud
// check may have thousands of payments, and the caller must be told when more exist.
import { createHmac } from 'node:crypto'
import { QueryCommand } from '@aws-sdk/client-dynamodb'
import { decodeCursor, encodeCursor, unmarshallItem } from '@dynamorm/core'
import type { FieldEncryption } from '@dynamorm/encryption'
import type { PaymentContext, PaymentEvent } from '../payment-context.ts'
import { CARD_BEACON_ATTRIBUTE, CARD_INDEX, Payment } from '../payment-model.ts'
import { parseCardSearch } from '../payment-request.ts'
import { json } from '../payment-view.ts'

/** Index entries read per request (the query's Limit); `cursor` in the answer leads to the next ones. */
export const MATCHES_PER_READ = 100

export function findPaymentsByCard(encryptionFor: (partner: PaymentContext['partner']) => FieldEncryption) {
  return async function findPaymentsByCardRoute(event: PaymentEvent, context: PaymentContext) {
    const input = parseCardSearch(event.body, event.queryStringParameters)
    const db = context.partner.db
    const beacon = await encryptionFor(context.partner).beacon('cardNumber', input.cardNumber)
    const tableName = db.tableName(Payment.table)
    const scope = { table: tableName, index: CARD_INDEX }
    // The cursor travels in URLs, so it leaves the beacon (a card-linking token) out and is signed under
    // a key of it instead: a cursor of another card's search fails the signature (400), not starts it.
    const cursorKey = createHmac('sha256', db.options.cursorSecret ?? '')
      .update(beacon)
      .digest()
    const output = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: CARD_INDEX,
        KeyConditionExpression: '#beacon = :beacon',
        ExpressionAttributeNames: { '#beacon': CARD_BEACON_ATTRIBUTE },
        ExpressionAttributeValues: { ':beacon': { B: beacon } },
        Limit: MATCHES_PER_READ,
        ...(input.cursor === undefined
          ? {}
          : {
              ExclusiveStartKey: {
                ...decodeCursor(input.cursor, scope, cursorKey),
                [CARD_BEACON_ATTRIBUTE]: { B: beacon },
              },
            }),
      }),
    )
    // The index projects only clear attributes; a 64-bit beacon can in principle collide, so the
    // last four digits are checked too.
    const last4 = input.cardNumber.slice(-4)
    const items = (output.Items ?? [])
      .map((item) => unmarshallItem(item))
      .filter((item) => item.cardLast4 === last4)
      .map((item) => ({
        id: item.id,
        status: item.status,
        amount: Number(item.amount),
        currency: item.currency,
        card: { last4: item.cardLast4, brand: item.cardBrand },
        createdAt: item.createdAt,
      }))
    const { [CARD_BEACON_ATTRIBUTE]: _beacon, ...nextKey } = output.LastEvaluatedKey ?? {}
    const cursor = output.LastEvaluatedKey === undefined ? null : encodeCursor(nextKey, scope, cursorKey)
    return json(200, { items, cursor })
  }
}
