// The handler's response as the record stores it: JSON, brotli-compressed when large, refused when
// still too large for an item (DynamoDB's limit is 400 KB and the record needs room for its other fields).
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib'
import { responseNotStorable } from './errors.ts'

export type StoredResponse =
  /** The handler returned undefined: replayed as undefined. */
  | { encoding: 'none'; value?: undefined }
  | { encoding: 'json'; value: string }
  | { encoding: 'br'; value: Uint8Array }

/** The options that bound a stored response (see IdempotencyOptions). */
export interface ResponseStorageLimits {
  compressAboveBytes: number
  maxResponseBytes: number
}

export function encodeResponse(response: unknown, limits: ResponseStorageLimits): StoredResponse {
  if (response === undefined) return { encoding: 'none' }
  let json: string | undefined
  try {
    json = JSON.stringify(response)
  } catch (cause) {
    throw responseNotStorable('The response cannot be stored: it is not JSON-serialisable', { cause })
  }
  if (json === undefined) {
    throw responseNotStorable(`The response cannot be stored: a ${typeof response} is not JSON`)
  }
  const jsonBytes = Buffer.byteLength(json)
  if (jsonBytes <= limits.compressAboveBytes && jsonBytes <= limits.maxResponseBytes)
    return { encoding: 'json', value: json }
  // Quality 5: most of brotli's ratio at a small fraction of its top-quality CPU time.
  const compressed = brotliCompressSync(json, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: jsonBytes },
  })
  const maxBytes = limits.maxResponseBytes
  if (compressed.byteLength > maxBytes) {
    throw responseNotStorable(
      `The response is ${jsonBytes} bytes (${compressed.byteLength} compressed); at most ${maxBytes} can be stored`,
      { details: { bytes: jsonBytes, compressedBytes: compressed.byteLength, maxBytes } },
    )
  }
  return {
    encoding: 'br',
    value: new Uint8Array(compressed.buffer, compressed.byteOffset, compressed.byteLength),
  }
}

export function decodeResponse(
  encoding: string | undefined,
  value: string | Uint8Array | undefined,
): unknown {
  if (encoding === 'none') return undefined
  if (encoding === 'json' && typeof value === 'string') return JSON.parse(value)
  if (encoding === 'br' && value instanceof Uint8Array)
    return JSON.parse(brotliDecompressSync(value).toString('utf8'))
  throw responseNotStorable(`The stored response cannot be read (encoding ${String(encoding)})`)
}
