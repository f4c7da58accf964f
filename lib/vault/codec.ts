/**
 * Serialises stored values to bytes before sealing. JSON plus one tag for byte arrays (keys and session states
 * are mostly bytes): `{"$bytes": "<base64>"}`. Deterministic enough for storage; not used for signatures.
 */
import { fromBase64, toBase64, utf8 } from './bytes';

const BYTES_TAG = '$bytes';

export function encodeValue(value: unknown): Uint8Array {
  return utf8.encode(
    JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? { [BYTES_TAG]: toBase64(v) } : v)),
  );
}

export function decodeValue<T>(bytes: Uint8Array): T {
  return JSON.parse(utf8.decode(bytes), (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const tagged = (v as Record<string, unknown>)[BYTES_TAG];
      if (keys.length === 1 && typeof tagged === 'string') return fromBase64(tagged);
    }
    return v;
  }) as T;
}
