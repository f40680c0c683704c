/**
 * RFC 6455 framing of server → client text messages: unmasked, unfragmented, no extension
 * bits, which is every frame Backchannel sends (`perMessageDeflate` is off).
 * @module
 */

/** Header bytes of an unmasked frame whose payload is `bytes` long. */
function headerSize(bytes: number): number {
  return bytes < 126 ? 2 : bytes < 65_536 ? 4 : 10;
}

/**
 * Encodes `texts` as consecutive WebSocket text frames in one Buffer, so a turn's frames reach
 * the socket as one write: no per-frame header buffer, no per-frame stream bookkeeping. A
 * `ping` payload (a read-receipt probe, read-receipts.ts) goes last, in the same write.
 */
export function encodeTextFrames(texts: readonly string[], ping?: Buffer): Buffer {
  const extra = ping ? 2 + ping.length : 0;
  if (texts.length === 1) {
    // The common case (one token per turn): no size table.
    const bytes = Buffer.byteLength(texts[0]!, "utf8");
    const out = Buffer.allocUnsafe(headerSize(bytes) + bytes + extra);
    const at = writeFrame(out, 0, texts[0]!, bytes);
    if (ping) writePing(out, at, ping);
    return out;
  }
  const sizes = new Array<number>(texts.length);
  let total = 0;
  for (let i = 0; i < texts.length; i++) {
    const bytes = Buffer.byteLength(texts[i]!, "utf8");
    sizes[i] = bytes;
    total += headerSize(bytes) + bytes;
  }
  const out = Buffer.allocUnsafe(total + extra);
  let at = 0;
  for (let i = 0; i < texts.length; i++) at = writeFrame(out, at, texts[i]!, sizes[i]!);
  if (ping) writePing(out, at, ping);
  return out;
}

/** Writes a ping control frame carrying `payload` (at most 125 bytes) at `at`. */
function writePing(out: Buffer, at: number, payload: Buffer): void {
  out[at] = 0x89; // FIN + opcode 9 (ping)
  out[at + 1] = payload.length;
  payload.copy(out, at + 2);
}

/** Writes one frame of `text` (`bytes` long in UTF-8) at `at`; returns the offset after it. */
function writeFrame(out: Buffer, at: number, text: string, bytes: number): number {
  out[at++] = 0x81; // FIN + opcode 1 (text)
  if (bytes < 126) out[at++] = bytes;
  else if (bytes < 65_536) {
    out[at++] = 126;
    out.writeUInt16BE(bytes, at);
    at += 2;
  } else {
    out[at++] = 127;
    out.writeUInt32BE(Math.floor(bytes / 2 ** 32), at);
    out.writeUInt32BE(bytes >>> 0, at + 4);
    at += 8;
  }
  at += out.write(text, at, bytes, "utf8");
  return at;
}
