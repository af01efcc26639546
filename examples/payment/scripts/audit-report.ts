// `pnpm --filter @dynamorm/example-payment audit-report -- --partner <id> [--endpoint <url>] [--prefix <p>]`
// Prints a partner's audit trail and whether its hash chain holds. Against `pnpm dev`'s DynamoDB
// Local, pass the endpoint it prints; against AWS, run it with credentials of the partner's role
// (AWS_PROFILE or the environment) and leave --endpoint out.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createDb } from '@dynamorm/core'
import { auditReport, parseFlags, reportLines } from '../src/audit-report.ts'

const flags = parseFlags(process.argv.slice(2), ['partner', 'endpoint', 'prefix', 'region', 'shards'])
if (flags.partner === undefined) {
  console.error(
    'usage: audit-report --partner <id> [--endpoint <url>] [--prefix <table prefix>] [--region <r>] [--shards <n>]',
  )
  process.exit(2)
}
const client = new DynamoDBClient({
  region: flags.region ?? process.env.AWS_REGION ?? 'us-east-1',
  ...(flags.endpoint === undefined
    ? {}
    : { endpoint: flags.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
})
const db = createDb({ client, tableName: flags.prefix ?? `${flags.partner}-` })
const report = await auditReport({
  db,
  partnerId: flags.partner,
  ...(flags.shards === undefined ? {} : { shards: Number(flags.shards) }),
})
for (const line of reportLines(report, flags.partner)) console.log(line)
client.destroy()
process.exitCode = report.verification.valid ? 0 : 1
