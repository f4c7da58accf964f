/**
 * Card-mode plaintext = the binding header (lib/wire/header.ts: chain context ‖ stamp)
 * followed by the message body. Both are inside the signature and the encryption, so
 * the receiver gets back exactly what the sender bound the message to.
 */
import { ByteReader, ByteWriter } from '../encoding/binary';
import { joinHeader, readChainContext, readStamp, writeChainContext, writeStamp, type MessageHeader } from '../wire/header';

export function encodePlaintext(header: MessageHeader, body: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  writeChainContext(w, header);
  writeStamp(w, header);
  return w.bytes(body).finish();
}

/** Total: a header and body, or OvercryptError(Malformed | UnsupportedVersion). */
export function decodePlaintext(bytes: Uint8Array): { header: MessageHeader; body: Uint8Array } {
  const r = new ByteReader(bytes);
  const context = readChainContext(r);
  const stamp = readStamp(r);
  return { header: joinHeader(context, stamp), body: r.rest() };
}
