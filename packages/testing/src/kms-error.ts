/** A KMS error as the JSON 1.1 protocol returns it: `{"__type": ..., "message": ...}`. */
export class KmsError extends Error {
  readonly type: string
  readonly status: number

  constructor(type: string, message: string, status = 400) {
    super(message)
    this.type = type
    this.status = status
  }
}

export const kmsErrors = {
  notFound: (message: string) => new KmsError('NotFoundException', message),
  disabled: (arn: string) => new KmsError('DisabledException', `${arn} is disabled.`),
  invalidCiphertext: () =>
    new KmsError('InvalidCiphertextException', 'The ciphertext is invalid or was tampered with.'),
  incorrectKey: () =>
    new KmsError(
      'IncorrectKeyException',
      'The key ID in the request does not identify the key that encrypted the ciphertext.',
    ),
  validation: (message: string) => new KmsError('ValidationException', message),
  serialization: (message: string) => new KmsError('SerializationException', message),
  unknownOperation: (target: string) =>
    new KmsError('UnknownOperationException', `Unknown operation ${target}`),
  throttling: () => new KmsError('ThrottlingException', 'Rate exceeded'),
  internal: () => new KmsError('KMSInternalException', 'Injected internal failure', 500),
}
