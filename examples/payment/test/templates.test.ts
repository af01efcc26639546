import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { auditTable, idempotencyTable, paymentsTable, platformTables } from '../src/tables.ts'

const partnerYaml = readFileSync(new URL('../partner-account.yaml', import.meta.url), 'utf8')
const platformYaml = readFileSync(new URL('../template.yaml', import.meta.url), 'utf8')

describe('CloudFormation templates', () => {
  it('declare the same tables, keys and indexes the code creates locally', () => {
    for (const spec of [paymentsTable('x'), idempotencyTable('x'), auditTable('x')]) {
      for (const attribute of spec.input.AttributeDefinitions ?? []) {
        expect(partnerYaml).toContain(
          `AttributeName: ${attribute.AttributeName}, AttributeType: ${attribute.AttributeType}`,
        )
      }
      for (const index of spec.input.GlobalSecondaryIndexes ?? [])
        expect(partnerYaml).toContain(`IndexName: ${index.IndexName}`)
    }
    expect(partnerYaml).toContain('TimeToLiveSpecification: { AttributeName: expiresAt, Enabled: true }')
    for (const spec of platformTables('platform-'))
      expect(platformYaml).toContain(`TableName: ${spec.input.TableName}`)
  })

  it('trust the platform only with the ExternalId, and grant the platform only sts:AssumeRole on partner roles', () => {
    expect(partnerYaml).toContain('StringEquals: { sts:ExternalId: !Ref ExternalId }')
    expect(partnerYaml).not.toMatch(/dynamodb:\*|dynamodb:Scan|dynamodb:DeleteTable/)
    expect(platformYaml).toContain('Action: sts:AssumeRole')
    expect(platformYaml).not.toMatch(/Resource: '\*'/)
    expect(platformYaml).toContain('JwtConfiguration')
  })

  it('grant on each table only the DynamoDB actions the code sends there', () => {
    // The lock and its replay are PutItems (a refused one returns the record), the release a DeleteItem;
    // the audit chain is Puts and Updates, read back (Query) by the verifier; nothing uses ConditionCheck.
    expect(grantedActions(partnerYaml, 'Payments')).toEqual(['GetItem', 'Query', 'PutItem', 'UpdateItem'])
    expect(grantedActions(partnerYaml, 'IdempotencyRecords')).toEqual(['PutItem', 'DeleteItem'])
    expect(grantedActions(partnerYaml, 'AuditAppendAndVerify')).toEqual(['PutItem', 'UpdateItem', 'Query'])
    expect(grantedActions(platformYaml, 'WritePlatformAuditOfUnresolvedRequests')).toEqual([
      'PutItem',
      'UpdateItem',
    ])
  })
})

/** The DynamoDB actions of the statement with this Sid (its one-line `Action: [...]` list). */
function grantedActions(yaml: string, sid: string): string[] {
  const statement = yaml.split(`Sid: ${sid}\n`)[1]?.split('- Sid:')[0] ?? ''
  const list = /Action: \[([^\]]*)\]/.exec(statement)?.[1] ?? ''
  return list.split(',').map((action) => action.trim().replace('dynamodb:', ''))
}
