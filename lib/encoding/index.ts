export { concatBytes, bytesEqual, utf8Encode, utf8Decode, toHex, fromHex } from './bytes';
export { base64Encode, base64Decode } from './base64';
export {
  BASE62_ALPHABET,
  base62Encode,
  base62Decode,
  base62Length,
  base62DecodedLength,
  base62Value,
  isBase62,
} from './base62';
export { ByteWriter, ByteReader, MAX_VARINT } from './binary';
