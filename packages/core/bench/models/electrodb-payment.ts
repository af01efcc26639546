// The benchmark's Payment as an ElectroDB entity, written the way ElectroDB's docs recommend:
// composite key templates with casing 'none' (no silent lower-casing, ElectroDB #523) and
// createdAt/updatedAt maintained by attribute defaults and a watch-all setter.
import { Entity } from 'electrodb'

const now = (): string => new Date().toISOString()

export const electroPayment = new Entity(
  {
    model: { entity: 'payment', version: '1', service: 'payments' },
    attributes: {
      partnerId: { type: 'string', required: true },
      id: { type: 'string', required: true },
      amount: { type: 'number', required: true },
      currency: { type: 'string', required: true },
      status: { type: ['PENDING', 'AUTHORIZED', 'SETTLED', 'REFUNDED'] as const, required: true },
      cardLast4: { type: 'string' },
      tags: { type: 'list', items: { type: 'string' } },
      metadata: {
        type: 'map',
        properties: { channel: { type: 'string' }, reference: { type: 'string' } },
      },
      createdAt: { type: 'string', readOnly: true, default: now, set: () => now() },
      updatedAt: { type: 'string', readOnly: true, watch: '*', default: now, set: () => now() },
    },
    indexes: {
      primary: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: ElectroDB's own template syntax, not JS's
        pk: { field: 'pk', composite: ['partnerId'], template: 'PARTNER#${partnerId}', casing: 'none' },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: ElectroDB's own template syntax, not JS's
        sk: { field: 'sk', composite: ['id'], template: 'PAYMENT#${id}', casing: 'none' },
      },
    },
  },
  { table: 'payments' },
)
