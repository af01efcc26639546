import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  InvalidCiphertextException,
  KMSClient,
  ReEncryptCommand,
} from '@aws-sdk/client-kms'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type KmsServer, kmsKeyArn, startKmsServer } from '../src/index.ts'

let server: KmsServer
let kms: KMSClient
const context = { table: 'payments', attribute: 'cardNumber' }

beforeEach(async () => {
  server = await startKmsServer({
    keys: [
      { keyId: 'key-1', aliases: ['alias/payments'] },
      { keyId: 'key-2', aliases: ['other'], accountId: '444455556666' },
    ],
  })
  kms = new KMSClient({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  })
})

afterEach(async () => {
  kms.destroy()
  await server.close()
})

describe('startKmsServer', () => {
  it('generates data keys that decrypt back under the same encryption context', async () => {
    const dataKey = await kms.send(
      new GenerateDataKeyCommand({ KeyId: 'alias/payments', KeySpec: 'AES_256', EncryptionContext: context }),
    )
    expect(dataKey.KeyId).toBe(kmsKeyArn('key-1'))
    expect(dataKey.Plaintext).toHaveLength(32)
    const reordered = { attribute: 'cardNumber', table: 'payments' }
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: reordered }),
    )
    expect(Buffer.from(decrypted.Plaintext!)).toEqual(Buffer.from(dataKey.Plaintext!))
    expect(decrypted.KeyId).toBe(kmsKeyArn('key-1'))

    const short = await kms.send(new GenerateDataKeyCommand({ KeyId: 'key-1', NumberOfBytes: 7 }))
    expect(short.Plaintext).toHaveLength(7)
    const aes128 = await kms.send(
      new GenerateDataKeyCommand({ KeyId: kmsKeyArn('key-1'), KeySpec: 'AES_128' }),
    )
    expect(aes128.Plaintext).toHaveLength(16)
    const withoutPlaintext = await kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: 'key-1', KeySpec: 'AES_256' }),
    )
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: withoutPlaintext.CiphertextBlob }))
    expect(opened.Plaintext).toHaveLength(32)
  })

  it('round-trips Encrypt/Decrypt and rejects a mismatched context or a tampered blob', async () => {
    const plaintext = Buffer.from('4111 1111 1111 1111')
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: 'key-1', Plaintext: plaintext, EncryptionContext: context }),
    )
    expect(Buffer.from(encrypted.CiphertextBlob!).includes(plaintext)).toBe(false)
    const decrypted = await kms.send(
      new DecryptCommand({
        CiphertextBlob: encrypted.CiphertextBlob,
        EncryptionContext: context,
        KeyId: 'alias/payments',
      }),
    )
    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe(plaintext.toString())

    const mismatched = kms.send(
      new DecryptCommand({
        CiphertextBlob: encrypted.CiphertextBlob,
        EncryptionContext: { ...context, table: 'audit' },
      }),
    )
    await expect(mismatched).rejects.toBeInstanceOf(InvalidCiphertextException)
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })),
    ).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
      $metadata: { httpStatusCode: 400 },
    })

    const tampered = Buffer.from(encrypted.CiphertextBlob!)
    tampered[tampered.length - 1]! ^= 0x01
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context })),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' })
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a blob at all') })),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' })
    const foreign = Buffer.from(encrypted.CiphertextBlob!)
    foreign[6] = 'X'.charCodeAt(0) // names a key this server never had
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: foreign, EncryptionContext: context })),
    ).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    })
  })

  it('reports IncorrectKey, NotFound and Disabled keys', async () => {
    const encrypted = await kms.send(new EncryptCommand({ KeyId: 'key-1', Plaintext: Buffer.from('x') }))
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, KeyId: 'alias/other' })),
    ).rejects.toMatchObject({
      name: 'IncorrectKeyException',
    })
    await expect(
      kms.send(new EncryptCommand({ KeyId: 'missing', Plaintext: Buffer.from('x') })),
    ).rejects.toMatchObject({
      name: 'NotFoundException',
    })
    await expect(
      kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/missing', KeySpec: 'AES_256' })),
    ).rejects.toMatchObject({ name: 'NotFoundException' })

    server.disableKey('key-1')
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })),
    ).rejects.toMatchObject({
      name: 'DisabledException',
    })
    await expect(
      kms.send(new GenerateDataKeyCommand({ KeyId: 'key-1', KeySpec: 'AES_256' })),
    ).rejects.toMatchObject({
      name: 'DisabledException',
    })
    const described = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/payments' }))
    expect(described.KeyMetadata).toMatchObject({ KeyId: 'key-1', Enabled: false, KeyState: 'Disabled' })
    server.enableKey('key-1')
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })),
    ).resolves.toBeDefined()
    expect(() => server.disableKey('missing')).toThrow()
  })

  it('decrypts only under the KeyId named, in each form KMS takes: key id, key ARN, alias, alias ARN', async () => {
    const encrypted = await kms.send(new EncryptCommand({ KeyId: 'key-1', Plaintext: Buffer.from('x') }))
    const decrypt = (keyId: string) =>
      kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, KeyId: keyId }))
    const aliasArn = (alias: string, accountId?: string) =>
      kmsKeyArn(alias, accountId).replace(':key/', ':alias/')
    for (const own of ['key-1', kmsKeyArn('key-1'), 'alias/payments', aliasArn('payments')]) {
      expect((await decrypt(own)).KeyId).toBe(kmsKeyArn('key-1'))
    }
    for (const other of [
      'key-2',
      kmsKeyArn('key-2', '444455556666'),
      'alias/other',
      aliasArn('other', '444455556666'),
    ]) {
      await expect(decrypt(other)).rejects.toMatchObject({
        name: 'IncorrectKeyException',
        $metadata: { httpStatusCode: 400 },
      })
    }
  })

  it('finds a key or alias by ARN only in its own account and region, as KMS does', async () => {
    const aliasArn = (alias: string, accountId?: string) =>
      kmsKeyArn(alias, accountId).replace(':key/', ':alias/')
    for (const elsewhere of [
      kmsKeyArn('key-1', '999988887777'),
      kmsKeyArn('key-1').replace(':us-east-1:', ':eu-west-1:'),
      aliasArn('payments', '999988887777'),
      aliasArn('other'),
    ]) {
      await expect(
        kms.send(new GenerateDataKeyCommand({ KeyId: elsewhere, KeySpec: 'AES_256' })),
      ).rejects.toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 400 } })
    }
    const generated = await kms.send(
      new GenerateDataKeyCommand({ KeyId: kmsKeyArn('key-2', '444455556666'), KeySpec: 'AES_256' }),
    )
    expect(generated.KeyId).toBe(kmsKeyArn('key-2', '444455556666'))
  })

  it('re-encrypts under another key and context', async () => {
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: 'key-1', Plaintext: Buffer.from('rotate me'), EncryptionContext: context }),
    )
    const reEncrypted = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: encrypted.CiphertextBlob,
        SourceEncryptionContext: context,
        DestinationKeyId: 'alias/other',
        DestinationEncryptionContext: { v: '2' },
      }),
    )
    expect(reEncrypted.SourceKeyId).toBe(kmsKeyArn('key-1'))
    expect(reEncrypted.KeyId).toBe(kmsKeyArn('key-2', '444455556666'))
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: reEncrypted.CiphertextBlob, EncryptionContext: { v: '2' } }),
    )
    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('rotate me')
  })

  it('adds keys at runtime and keeps their secret when re-added', async () => {
    server.addKey({ keyId: 'key-3', aliases: ['late'] })
    const encrypted = await kms.send(new EncryptCommand({ KeyId: 'alias/late', Plaintext: Buffer.from('y') }))
    server.addKey({ keyId: 'key-3', enabled: true })
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })),
    ).resolves.toBeDefined()
  })

  it('validates input', async () => {
    await expect(kms.send(new GenerateDataKeyCommand({ KeyId: 'key-1' }))).rejects.toMatchObject({
      name: 'ValidationException',
    })
    await expect(
      kms.send(new GenerateDataKeyCommand({ KeyId: 'key-1', KeySpec: 'AES_256', NumberOfBytes: 32 })),
    ).rejects.toMatchObject({ name: 'ValidationException' })
    await expect(
      kms.send(new GenerateDataKeyCommand({ KeyId: 'key-1', NumberOfBytes: 2048 })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    })
    await expect(
      kms.send(new EncryptCommand({ KeyId: 'key-1', Plaintext: Buffer.alloc(4097) })),
    ).rejects.toMatchObject({ name: 'ValidationException' })
    const raw = async (target: string, body: string) => {
      const response = await fetch(server.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
        body,
      })
      return { status: response.status, json: (await response.json()) as { __type: string } }
    }
    expect((await raw('TrentService.Encrypt', 'not json')).json.__type).toBe('SerializationException')
    expect((await raw('TrentService.Encrypt', '{"KeyId":"key-1"}')).json.__type).toBe('ValidationException')
    expect((await raw('TrentService.GenerateDataKey', '{"KeyId":"key-1","KeySpec":"RSA"}')).json.__type).toBe(
      'ValidationException',
    )
    expect(
      (await raw('TrentService.Encrypt', '{"KeyId":"key-1","Plaintext":"eA==","EncryptionContext":{"a":1}}'))
        .json.__type,
    ).toBe('ValidationException')
    const unknown = await raw('TrentService.CreateKey', '{}')
    expect(unknown).toMatchObject({ status: 400, json: { __type: 'UnknownOperationException' } })
    expect(server.calls('CreateKey')).toBe(1)
  })

  it('counts calls per operation and injects faults', async () => {
    await kms.send(new GenerateDataKeyCommand({ KeyId: 'key-1', KeySpec: 'AES_256' }))
    server.faults.set({ throttle: 1, serverError: 1, drop: 1, operation: 'Decrypt' })
    await kms.send(new GenerateDataKeyCommand({ KeyId: 'key-1', KeySpec: 'AES_256' }))
    const encrypted = await kms.send(new EncryptCommand({ KeyId: 'key-1', Plaintext: Buffer.from('z') }))
    const decrypt = () => kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }))
    await expect(decrypt()).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    })
    await expect(decrypt()).rejects.toMatchObject({
      name: 'KMSInternalException',
      $metadata: { httpStatusCode: 500 },
    })
    await expect(decrypt()).rejects.toThrow()
    await expect(decrypt()).resolves.toBeDefined()
    expect(server.calls('GenerateDataKey')).toBe(2)
    expect(server.calls('Decrypt')).toBe(4)
    expect(server.calls()).toBe(7)

    server.faults.set({ latencyMs: 200, operation: ['Encrypt'] })
    const started = Date.now()
    await kms.send(new EncryptCommand({ KeyId: 'key-1', Plaintext: Buffer.from('z') }))
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
  })
})
