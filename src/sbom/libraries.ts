import type { Dependency, DependencyFile } from "../deps/types.js";

/** One Python package the model needs, merged over the folder's dependency files. */
export interface Library {
  /** Stable key, unique in the SBOM: "name@version", or "name spec" for an unpinned requirement. */
  key: string;
  name: string;
  version?: string;
  /** pkg:pypi/name@version (pinned), pkg:pypi/name (unpinned); none for a URL or path requirement. */
  purl?: string;
  specifier: string;
  extras: string[];
  marker?: string;
  url?: string;
  hashes: string[];
  /** "file:line" of each declaration. */
  sources: string[];
}

/** purl-spec pypi: the name lower-cased with "_" as "-" (PEP 503 names already are); versions percent-encoded. */
export function pypiPurl(d: Pick<Dependency, "name" | "version" | "url">): string | undefined {
  if (d.url) return undefined;
  const name = encodeURIComponent(d.name.toLowerCase().replace(/[-_.]+/g, "-"));
  return d.version ? `pkg:pypi/${name}@${encodeURIComponent(d.version)}` : `pkg:pypi/${name}`;
}

function sourceOf(d: Dependency): string {
  return d.source.line === undefined ? d.source.file : `${d.source.file}:${d.source.line}`;
}

/** The distinct libraries declared by the dependency files, in order of first declaration. */
export function librariesOf(files: readonly DependencyFile[]): Library[] {
  const byKey = new Map<string, Library>();
  for (const file of files) {
    for (const d of file.dependencies) {
      const key = d.version ? `${d.name}@${d.version}` : d.url ? `${d.name} @ ${d.url}` : `${d.name}${d.specifier ? ` ${d.specifier}` : ""}`;
      const seen = byKey.get(key);
      if (seen) {
        seen.sources.push(sourceOf(d));
        for (const h of d.hashes) if (!seen.hashes.includes(h)) seen.hashes.push(h);
        continue;
      }
      const purl = pypiPurl(d);
      byKey.set(key, {
        key,
        name: d.name,
        ...(d.version ? { version: d.version } : {}),
        ...(purl ? { purl } : {}),
        specifier: d.specifier,
        extras: [...d.extras],
        ...(d.marker ? { marker: d.marker } : {}),
        ...(d.url ? { url: d.url } : {}),
        hashes: [...d.hashes],
        sources: [sourceOf(d)],
      });
    }
  }
  return [...byKey.values()];
}
