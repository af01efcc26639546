import { randomBytes } from 'node:crypto'
import { openCiphertextBlob, readCiphertextKeyId, sealCiphertextBlob } from './kms-ciphertext-blob.ts'
import type { EncryptionContext } from './kms-encryption-context.ts'
import { kmsErrors } from './kms-error.ts'
import type { KmsKeyStore, StoredKmsKey } from './kms-key-store.ts'

type JsonObject = Record<string, unknown>
export type KmsOperation = (store: KmsKeyStore, input: JsonObject) => JsonObject

const algorithm = 'SYMMETRIC_DEFAULT'
const maxPlaintextBytes = 4096

function requiredString(input: JsonObject, field: string): string {
  const value = input[field]
  if (typeof value !== 'string' || value === '') throw kmsErrors.validation(`${field} is required`)
  return value
}

function requiredBlob(input: JsonObject, field: string): Buffer {
  return Buffer.from(requiredString(input, field), 'base64')
}

function encryptionContext(input: JsonObject, field: string): EncryptionContext | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (
    typeof value !== 'object' ||
    Array.isArray(value) ||
    Object.values(value).some((v) => typeof v !== 'string')
  ) {
    throw kmsErrors.validation(`${field} must be a map of strings`)
  }
  return value as EncryptionContext
}

function dataKeyLength(input: JsonObject): number {
  const { KeySpec: keySpec, NumberOfBytes: numberOfBytes } = input
  if ((keySpec === undefined) === (numberOfBytes === undefined)) {
    throw kmsErrors.validation('Specify either KeySpec or NumberOfBytes')
  }
  if (keySpec === 'AES_256') return 32
  if (keySpec === 'AES_128') return 16
  if (keySpec !== undefined) throw kmsErrors.validation(`KeySpec ${String(keySpec)} is not supported`)
  if (
    typeof numberOfBytes !== 'number' ||
    !Number.isInteger(numberOfBytes) ||
    numberOfBytes < 1 ||
    numberOfBytes > 1024
  ) {
    throw kmsErrors.validation('NumberOfBytes must be an integer between 1 and 1024')
  }
  return numberOfBytes
}

/** The key that sealed a blob, checked against an optional KeyId parameter. */
function keyOfBlob(store: KmsKeyStore, blob: Buffer, keyIdParameter: unknown): StoredKmsKey {
  const blobKey = store.byId(readCiphertextKeyId(blob))
  // A blob naming a key this server never had is not ours (or was tampered with).
  if (!blobKey) throw kmsErrors.invalidCiphertext()
  if (typeof keyIdParameter === 'string' && keyIdParameter !== '') {
    if (store.resolve(keyIdParameter).keyId !== blobKey.keyId) throw kmsErrors.incorrectKey()
  }
  if (!blobKey.enabled) throw kmsErrors.disabled(blobKey.arn)
  return blobKey
}

function generateDataKey(store: KmsKeyStore, input: JsonObject) {
  const key = store.resolveUsable(requiredString(input, 'KeyId'))
  const plaintext = randomBytes(dataKeyLength(input))
  const blob = sealCiphertextBlob(
    key.keyId,
    key.masterSecret,
    plaintext,
    encryptionContext(input, 'EncryptionContext'),
  )
  return { key, plaintext, blob }
}

export const kmsOperations: Record<string, KmsOperation> = {
  GenerateDataKey(store, input) {
    const { key, plaintext, blob } = generateDataKey(store, input)
    return {
      KeyId: key.arn,
      Plaintext: plaintext.toString('base64'),
      CiphertextBlob: blob.toString('base64'),
    }
  },

  GenerateDataKeyWithoutPlaintext(store, input) {
    const { key, blob } = generateDataKey(store, input)
    return { KeyId: key.arn, CiphertextBlob: blob.toString('base64') }
  },

  Encrypt(store, input) {
    const key = store.resolveUsable(requiredString(input, 'KeyId'))
    const plaintext = requiredBlob(input, 'Plaintext')
    if (plaintext.length > maxPlaintextBytes)
      throw kmsErrors.validation(`Plaintext exceeds ${maxPlaintextBytes} bytes`)
    const blob = sealCiphertextBlob(
      key.keyId,
      key.masterSecret,
      plaintext,
      encryptionContext(input, 'EncryptionContext'),
    )
    return { KeyId: key.arn, CiphertextBlob: blob.toString('base64'), EncryptionAlgorithm: algorithm }
  },

  Decrypt(store, input) {
    const blob = requiredBlob(input, 'CiphertextBlob')
    const key = keyOfBlob(store, blob, input.KeyId)
    const plaintext = openCiphertextBlob(
      blob,
      key.masterSecret,
      encryptionContext(input, 'EncryptionContext'),
    )
    return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: algorithm }
  },

  ReEncrypt(store, input) {
    const blob = requiredBlob(input, 'CiphertextBlob')
    const source = keyOfBlob(store, blob, input.SourceKeyId)
    const plaintext = openCiphertextBlob(
      blob,
      source.masterSecret,
      encryptionContext(input, 'SourceEncryptionContext'),
    )
    const destination = store.resolveUsable(requiredString(input, 'DestinationKeyId'))
    const context = encryptionContext(input, 'DestinationEncryptionContext')
    const sealed = sealCiphertextBlob(destination.keyId, destination.masterSecret, plaintext, context)
    return {
      CiphertextBlob: sealed.toString('base64'),
      SourceKeyId: source.arn,
      KeyId: destination.arn,
      SourceEncryptionAlgorithm: algorithm,
      DestinationEncryptionAlgorithm: algorithm,
    }
  },

  DescribeKey(store, input) {
    const key = store.resolve(requiredString(input, 'KeyId'))
    return {
      KeyMetadata: {
        AWSAccountId: key.accountId,
        KeyId: key.keyId,
        Arn: key.arn,
        CreationDate: key.createdAt.getTime() / 1000,
        Enabled: key.enabled,
        KeyState: key.enabled ? 'Enabled' : 'Disabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        KeyManager: 'CUSTOMER',
        Origin: 'AWS_KMS',
        Description: '',
        EncryptionAlgorithms: [algorithm],
        MultiRegion: false,
      },
    }
  },
}
