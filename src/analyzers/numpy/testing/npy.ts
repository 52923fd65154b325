/** Test helper: an .npy file with `header` (the dict text) padded as numpy pads it, then `data`. */
export function npy(header: string, version: 1 | 2 | 3 = 1, data: Buffer = Buffer.alloc(0)): Buffer {
  const pre = version === 1 ? 10 : 12;
  let text = header;
  while ((pre + text.length + 1) % 64 !== 0) text += " ";
  text += "\n";
  const body = Buffer.from(text, version === 3 ? "utf8" : "latin1");
  const head = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(body.length, 8);
  else head.writeUInt32LE(body.length, 8);
  return Buffer.concat([head, body, data]);
}
