/**
 * A server-to-client WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked), built once
 * per message and written as is to every client's socket. The /ws server negotiates no extension
 * (permessage-deflate is off, ws-route.ts), so the frame is the same bytes for every client and
 * needs no per-client framing.
 */
export function textFrame(json: string): Buffer {
  const length = Buffer.byteLength(json, "utf8");
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(json, headerLength, "utf8");
  return frame;
}
