// POST /payments/search { cardNumber }: "payments with this card", through the GSI on the card
// number's beacon (a keyed hash), without decrypting anything. A POST, so the number never sits in a
// URL or an access log.
import { QueryCommand } from '@aws-sdk/client-dynamodb'
import { unmarshallItem } from '@dynamorm/core'
import type { FieldEncryption } from '@dynamorm/encryption'
import type { PaymentContext, PaymentEvent } from '../payment-context.ts'
import { CARD_BEACON_ATTRIBUTE, CARD_INDEX, Payment } from '../payment-model.ts'
import { parseCardSearch } from '../payment-request.ts'
import { json } from '../payment-view.ts'

/** At most this many matches are returned (a card with more is worth a look anyway). */
const MAX_MATCHES = 100

export function findPaymentsByCard(encryptionFor: (partner: PaymentContext['partner']) => FieldEncryption) {
  return async function findPaymentsByCardRoute(event: PaymentEvent, context: PaymentContext) {
    const cardNumber = parseCardSearch(event.body)
    const db = context.partner.db
    const beacon = await encryptionFor(context.partner).beacon('cardNumber', cardNumber)
    const output = await db.send(
      new QueryCommand({
        TableName: db.tableName(Payment.table),
        IndexName: CARD_INDEX,
        KeyConditionExpression: '#beacon = :beacon',
        ExpressionAttributeNames: { '#beacon': CARD_BEACON_ATTRIBUTE },
        ExpressionAttributeValues: { ':beacon': { B: beacon } },
        Limit: MAX_MATCHES,
      }),
    )
    // The index projects only clear attributes; a 64-bit beacon can in principle collide, so the
    // last four digits are checked too.
    const last4 = cardNumber.slice(-4)
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
    return json(200, { items })
  }
}
