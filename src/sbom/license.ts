import { SPDX } from "@cyclonedx/cyclonedx-library";
import type { ModelMetadata } from "./types.js";

/** The model's licence as the SBOM writers need it. */
export type ModelLicense =
  | { kind: "spdx"; id: string }
  /** Not on the SPDX list (llama2, openrail, "other" with a license_name): a LicenseRef in SPDX, a name in CycloneDX. */
  | { kind: "custom"; name: string; ref: string; url?: string };

/** Hugging Face licence ids that say nothing: no licence is declared. */
const NO_LICENSE = new Set(["unknown", "none", "noassertion"]);

function absoluteUrl(s: string | undefined): string | undefined {
  if (!s) return undefined;
  try {
    const u = new URL(s);
    return u.protocol === "https:" || u.protocol === "http:" ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** LicenseRef-… idstring (SPDX: letters, digits, "." and "-"). */
export function licenseRef(name: string): string {
  const id = name.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 128);
  return `LicenseRef-${id || "custom"}`;
}

/**
 * The card's `license` as an SPDX id when it is one (Hugging Face writes ids in lower case: "apache-2.0";
 * the check uses the SPDX list shipped with @cyclonedx/cyclonedx-library), else a named custom licence
 * ("other" takes license_name and license_link). Undefined when the card declares none.
 */
export function modelLicense(meta: Pick<ModelMetadata, "license" | "licenseName" | "licenseLink">): ModelLicense | undefined {
  const raw = meta.license?.trim();
  if (!raw || NO_LICENSE.has(raw.toLowerCase())) return undefined;
  if (raw.toLowerCase() === "other") {
    const name = meta.licenseName ?? "other";
    const url = absoluteUrl(meta.licenseLink);
    return { kind: "custom", name, ref: licenseRef(name), ...(url ? { url } : {}) };
  }
  const id = SPDX.fixupSpdxId(raw);
  if (id !== undefined && SPDX.isSupportedSpdxId(id)) return { kind: "spdx", id };
  const url = absoluteUrl(meta.licenseLink);
  return { kind: "custom", name: raw, ref: licenseRef(raw), ...(url ? { url } : {}) };
}
