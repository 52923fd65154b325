/** DSSE (Dead Simple Signing Envelope) pre-authentication encoding, standard and model_signing v0.2's. */

export const INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in bytes as decimal. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** Python's repr() of a bytes object: b'...' (or b"..." when it holds ' but no "). */
export function pythonBytesRepr(b: Buffer): string {
  const quote = b.includes(0x27) && !b.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const c of b) {
    const ch = String.fromCharCode(c);
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c >= 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}${quote}`;
}

/**
 * The encoding model_signing before 1.0 (v0.2 signatures) signed by mistake: an f-string over the
 * payload bytes, so the payload appears as its Python repr, and "DSSEV1" with a capital V. Those
 * signatures also use SHA-256 whatever the curve.
 */
export function legacyPae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.from(`DSSEV1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`, "utf8");
}
