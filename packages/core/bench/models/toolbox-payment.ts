// The benchmark's Payment as a dynamodb-toolbox v2 entity, imported per path as its docs advise for
// tree-shaking; keys computed from partnerId and id, timestamps stored as createdAt/updatedAt (not
// the default _ct/_md) so every side writes the same item.
import { Entity } from 'dynamodb-toolbox/entity'
import { item } from 'dynamodb-toolbox/schema/item'
import { list } from 'dynamodb-toolbox/schema/list'
import { map } from 'dynamodb-toolbox/schema/map'
import { number } from 'dynamodb-toolbox/schema/number'
import { string } from 'dynamodb-toolbox/schema/string'
import { Table } from 'dynamodb-toolbox/table'

export const toolboxPayments = new Table({
  name: 'payments',
  partitionKey: { name: 'pk', type: 'string' },
  sortKey: { name: 'sk', type: 'string' },
})

export const toolboxPayment = new Entity({
  name: 'Payment',
  table: toolboxPayments,
  schema: item({
    partnerId: string().key(),
    id: string().key(),
    amount: number(),
    currency: string(),
    status: string().enum('PENDING', 'AUTHORIZED', 'SETTLED', 'REFUNDED'),
    cardLast4: string().optional(),
    tags: list(string()).optional(),
    metadata: map({ channel: string().optional(), reference: string().optional() }).optional(),
  }),
  computeKey: ({ partnerId, id }) => ({ pk: `PARTNER#${partnerId}`, sk: `PAYMENT#${id}` }),
  timestamps: {
    created: { name: 'createdAt', savedAs: 'createdAt' },
    modified: { name: 'updatedAt', savedAs: 'updatedAt' },
  },
})
