// GET /payments?status=...&cursor=...&limit=...: newest first, through the status index. Cursors are
// signed (the Db's cursorSecret), so a caller cannot forge a position in the keyspace.
import type { PaymentContext, PaymentEvent } from '../payment-context.ts'
import { Payment } from '../payment-model.ts'
import { parseList } from '../payment-request.ts'
import { json, paymentView } from '../payment-view.ts'

export async function listPayments(event: PaymentEvent, context: PaymentContext) {
  const input = parseList(event.queryStringParameters)
  const page = await context.partner.db.model(Payment).query(
    { status: input.status },
    {
      index: 'byStatus',
      order: 'desc',
      limit: input.limit,
      ...(input.cursor === undefined ? {} : { cursor: input.cursor }),
    },
  )
  return json(200, { items: page.items.map(paymentView), cursor: page.cursor ?? null })
}
