import { randomUUID } from 'node:crypto'
import { escapeXml } from './xml-escape.ts'

const namespace = 'https://sts.amazonaws.com/doc/2011-06-15/'

export interface AssumeRoleResult {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration: Date
  assumedRoleArn: string
  assumedRoleId: string
}

export interface StsErrorBody {
  status: number
  type: 'Sender' | 'Receiver'
  code: string
  message: string
}

/** The XML AssumeRoleResponse the SDK's query-protocol parser expects. */
export function assumeRoleResponseXml(result: AssumeRoleResult): string {
  return `<AssumeRoleResponse xmlns="${namespace}">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>${escapeXml(result.assumedRoleArn)}</Arn>
      <AssumedRoleId>${escapeXml(result.assumedRoleId)}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${result.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${result.secretAccessKey}</SecretAccessKey>
      <SessionToken>${result.sessionToken}</SessionToken>
      <Expiration>${result.expiration.toISOString()}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>`
}

export function stsErrorXml(error: StsErrorBody): string {
  return `<ErrorResponse xmlns="${namespace}">
  <Error>
    <Type>${error.type}</Type>
    <Code>${escapeXml(error.code)}</Code>
    <Message>${escapeXml(error.message)}</Message>
  </Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>`
}

export const stsErrors = {
  accessDenied: (message: string): StsErrorBody => ({
    status: 403,
    type: 'Sender',
    code: 'AccessDenied',
    message,
  }),
  validation: (message: string): StsErrorBody => ({
    status: 400,
    type: 'Sender',
    code: 'ValidationError',
    message,
  }),
  invalidAction: (action: string): StsErrorBody => ({
    status: 400,
    type: 'Sender',
    code: 'InvalidAction',
    message: `Could not find operation ${action} for version 2011-06-15`,
  }),
  throttling: (): StsErrorBody => ({
    status: 400,
    type: 'Sender',
    code: 'Throttling',
    message: 'Rate exceeded',
  }),
  internalFailure: (): StsErrorBody => ({
    status: 500,
    type: 'Receiver',
    code: 'InternalFailure',
    message: 'Injected internal failure',
  }),
}
