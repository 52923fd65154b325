/**
 * The OpenAPI 3.1 description of the gate server's HTTP API, as data. test/server/openapi.test.ts checks that every
 * registered route is described here; when adding a route, add it here too.
 */
type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description = "OK"): Json => ({ description, content: { "application/json": { schema } } });
const errors = (...codes: number[]): Json =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
const body = (schema: Json, type = "application/json"): Json => ({ required: true, content: { [type]: { schema } } });
const reasonBody = body({ type: "object", required: ["reason"], properties: { reason: { type: "string", maxLength: 2000 } } });
const p = (name: string, description: string, schema: Json = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" }): Json => ({
  name,
  in: "path",
  required: true,
  description,
  schema,
});
const PROJECT = p("project", "project name");
const MODEL = p("model", "model name");
const VERSION = p("version", "version name");
const FILE_PATH = p("*", "file path inside the model (`/`-separated; no `..`, absolute paths, backslashes or control characters)", { type: "string" });
const VERSION_PARAMS = [PROJECT, MODEL, VERSION];
const secured = { security: [{ bearer: [] }] };
const open = { security: [] };

const decision = (name: string, who: string): Json => ({
  post: {
    ...secured,
    tags: ["decisions"],
    summary: `${name[0]!.toUpperCase()}${name.slice(1)} a version (${who})`,
    parameters: VERSION_PARAMS,
    requestBody: reasonBody,
    responses: { "200": json(ref("Version")), ...errors(400, 401, 403, 404, 409) },
  },
});

const versionDocument = (what: string, permission = "model:read"): Json => ({
  get: { ...secured, tags: ["versions"], summary: `${what} (${permission})`, parameters: VERSION_PARAMS, responses: { "200": json({ type: "object" }), ...errors(401, 403, 404) } },
});

export const OPENAPI_DOCUMENT: Json = {
  openapi: "3.1.0",
  info: {
    title: "modelgate gate server",
    version: "1",
    description:
      "Every model version is admitted, scanned, checked against the organisation's policy, signed and audited here. All `/api/v1` routes need `Authorization: Bearer mg_…` except where marked; errors are `{error: {code, message}}`.",
  },
  servers: [{ url: "/" }],
  security: [{ bearer: [] }],
  tags: [
    { name: "health" },
    { name: "auth" },
    { name: "projects" },
    { name: "push" },
    { name: "versions" },
    { name: "decisions" },
    { name: "policy" },
    { name: "webhooks" },
    { name: "vulndb" },
    { name: "audit-log" },
  ],
  paths: {
    "/healthz": { get: { ...open, tags: ["health"], summary: "Liveness (no auth)", responses: { "200": json({ type: "object", properties: { status: { const: "ok" } } }) } } },
    "/readyz": {
      get: { ...open, tags: ["health"], summary: "Readiness: database and blob store reachable (no auth)", responses: { "200": json({ type: "object" }), "503": json(ref("Error"), "not ready") } },
    },
    "/metrics": {
      get: { ...open, tags: ["health"], summary: "Prometheus metrics (no auth: keep the port on a trusted network)", responses: { "200": { description: "Prometheus text format", content: { "text/plain": { schema: { type: "string" } } } } } },
    },
    "/openapi.json": { get: { ...open, tags: ["health"], summary: "This document (no auth)", responses: { "200": json({ type: "object" }) } } },
    "/api/v1/server-key": {
      get: { ...open, tags: ["auth"], summary: "The public key approved versions are signed with (no auth); verify offline with `modelgate verify --public-key`", responses: { "200": json({ type: "object", properties: { publicKeyPem: { type: "string" }, keyHint: { type: "string" } } }) } },
    },
    "/api/v1/me": { get: { ...secured, tags: ["auth"], summary: "The calling token", responses: { "200": json(ref("Principal")), ...errors(401) } } },
    "/api/v1/tokens": {
      get: { ...secured, tags: ["auth"], summary: "List tokens (admin)", responses: { "200": json({ type: "array", items: ref("Token") }), ...errors(401, 403) } },
      post: {
        ...secured,
        tags: ["auth"],
        summary: "Create a token (admin); the token is in this response only",
        requestBody: body({
          type: "object",
          required: ["name"],
          properties: {
            name: { type: "string" },
            expiresInDays: { type: "integer", minimum: 1, maximum: 3650, default: 90 },
            scopes: { type: "array", items: { type: "string" }, description: '"*", a permission ("model:read") or a prefix ("model:*"); empty = every permission the roles grant' },
            admin: { type: "boolean" },
            roles: { type: "array", items: ref("RoleGrant") },
          },
        }),
        responses: { "201": json({ type: "object", properties: { id: { type: "string" }, token: { type: "string" }, name: { type: "string" }, expiresAt: { type: "string" } } }), ...errors(400, 401, 403) },
      },
    },
    "/api/v1/tokens/{id}": {
      delete: { ...secured, tags: ["auth"], summary: "Revoke a token (admin)", parameters: [p("id", "token id", { type: "string" })], responses: { "204": { description: "revoked" }, ...errors(401, 403, 404, 409) } },
    },
    "/api/v1/projects": {
      get: { ...secured, tags: ["projects"], summary: "Projects the token has a role in (all for admins)", responses: { "200": json({ type: "array", items: ref("Project") }), ...errors(401, 403) } },
      post: {
        ...secured,
        tags: ["projects"],
        summary: "Create a project (admin), optionally with a policy override",
        requestBody: body({ type: "object", required: ["name"], properties: { name: { type: "string" }, policy: { type: "string", description: "policy YAML" } } }),
        responses: { "201": json(ref("Project")), ...errors(400, 401, 403, 409) },
      },
    },
    "/api/v1/projects/{project}/members": {
      get: { ...secured, tags: ["projects"], summary: "Members and their roles (project:admin)", parameters: [PROJECT], responses: { "200": json({ type: "array", items: { type: "object" } }), ...errors(401, 403, 404) } },
    },
    "/api/v1/projects/{project}/members/{tokenId}": {
      put: {
        ...secured,
        tags: ["projects"],
        summary: "Give a token a role in the project (project:admin)",
        parameters: [PROJECT, p("tokenId", "token id", { type: "string" })],
        requestBody: body({ type: "object", required: ["role"], properties: { role: ref("Role") } }),
        responses: { "200": json({ type: "object" }), ...errors(400, 401, 403, 404) },
      },
      delete: { ...secured, tags: ["projects"], summary: "Remove a token's role (project:admin)", parameters: [PROJECT, p("tokenId", "token id", { type: "string" })], responses: { "204": { description: "removed" }, ...errors(401, 403, 404) } },
    },
    "/api/v1/projects/{project}/models": {
      get: { ...secured, tags: ["projects"], summary: "Models of a project with their latest version (model:read)", parameters: [PROJECT], responses: { "200": json({ type: "array", items: { type: "object" } }), ...errors(401, 403, 404) } },
    },
    "/api/v1/projects/{project}/policy": {
      get: { ...secured, tags: ["policy"], summary: "The policy this project's versions are checked against (policy:read)", parameters: [PROJECT], responses: { "200": json(ref("Policy")), ...errors(401, 403, 404) } },
      put: { ...secured, tags: ["policy"], summary: "Set the project's policy override (project admin)", parameters: [PROJECT], requestBody: body(ref("PolicyInput")), responses: { "200": json(ref("Policy")), ...errors(400, 401, 403, 404) } },
      delete: { ...secured, tags: ["policy"], summary: "Remove the project's policy override (project admin)", parameters: [PROJECT], responses: { "204": { description: "removed" }, ...errors(401, 403, 404) } },
    },
    "/api/v1/projects/{project}/models/{model}/versions": {
      get: { ...secured, tags: ["versions"], summary: "Versions of a model, newest first; uploading ones are not listed (model:read)", parameters: [PROJECT, MODEL], responses: { "200": json({ type: "array", items: ref("VersionSummary") }), ...errors(401, 403, 404) } },
      post: {
        ...secured,
        tags: ["push"],
        summary: "Start a push: declare the version's files (model:push); `missing` lists the files to upload",
        parameters: [PROJECT, MODEL],
        requestBody: body({
          type: "object",
          required: ["version", "files"],
          properties: {
            version: { type: "string" },
            files: { type: "array", items: { type: "object", required: ["path", "size", "sha256"], properties: { path: { type: "string" }, size: { type: "integer" }, sha256: { type: "string" } } } },
          },
        }),
        responses: {
          "201": json({ type: "object", properties: { uploadId: { type: "string" }, version: { type: "string" }, status: { const: "uploading" }, missing: { type: "array", items: { type: "string" } } } }),
          ...errors(400, 401, 403, 404, 409, 413),
        },
      },
    },
    "/api/v1/projects/{project}/models/{model}/imports": {
      post: {
        ...secured,
        tags: ["push"],
        summary: "Pull-through (model:push): the server fetches a Hugging Face-compatible hub repository itself, then scans and checks it like a push. Off unless the server runs with --import-from",
        parameters: [PROJECT, MODEL],
        requestBody: body({
          type: "object",
          required: ["source"],
          properties: {
            source: { type: "string", description: "hf://ORG/NAME or hf://ORG/NAME@REVISION" },
            revision: { type: "string", description: "branch, tag or commit (default main); resolved to a commit at once" },
            version: { type: "string", description: "version name (default: the first 12 hex digits of the commit)" },
            hub: { type: "string", description: "one of the server's --import-from hubs (default: the first)" },
          },
        }),
        responses: {
          "202": json({ type: "object", properties: { version: { type: "string" }, status: { const: "uploading" }, source: ref("VersionSource"), files: { type: "integer" } } }),
          ...errors(400, 401, 403, 404, 409, 413, 503),
        },
      },
    },
    "/api/v1/uploads/{uploadId}/files/{*}": {
      put: {
        ...secured,
        tags: ["push"],
        summary: "Upload one declared file (raw bytes, streamed; size and sha256 must match the declaration)",
        parameters: [p("uploadId", "from the push", { type: "string" }), FILE_PATH],
        requestBody: body({ type: "string", format: "binary" }, "application/octet-stream"),
        responses: { "204": { description: "stored" }, ...errors(400, 401, 403, 404, 409, 413) },
      },
    },
    "/api/v1/uploads/{uploadId}/complete": {
      post: {
        ...secured,
        tags: ["push"],
        summary: "Finish a push: the version becomes pending and is queued for scanning",
        parameters: [p("uploadId", "from the push", { type: "string" })],
        responses: { "202": json({ type: "object", properties: { version: { type: "string" }, status: { const: "pending" } } }), ...errors(401, 403, 404, 409) },
      },
    },
    "/api/v1/projects/{project}/models/{model}/versions/{version}": {
      get: { ...secured, tags: ["versions"], summary: "A version with its files, verdict, reasons and signature (model:read)", parameters: VERSION_PARAMS, responses: { "200": json(ref("Version")), ...errors(401, 403, 404) } },
    },
    "/api/v1/projects/{project}/models/{model}/versions/{version}/files/{*}": {
      get: {
        ...secured,
        tags: ["versions"],
        summary: "Download a file (model:download): approved versions, or quarantined ones an admin released; recorded",
        parameters: [...VERSION_PARAMS, FILE_PATH],
        responses: { "200": { description: "the file's bytes", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } }, ...errors(401, 403, 404) },
      },
    },
    "/api/v1/projects/{project}/models/{model}/versions/{version}/report": {
      get: {
        ...secured,
        tags: ["versions"],
        summary: "The scan report (model:read): the modelgate JSON report; ?format=json sends it as a download, ?format=html as the self-contained HTML report",
        parameters: [...VERSION_PARAMS, { name: "format", in: "query", required: false, schema: { type: "string", enum: ["json", "html"] } }],
        responses: { "200": { description: "the report", content: { "application/json": { schema: { type: "object" } }, "text/html": { schema: { type: "string" } } } }, ...errors(400, 401, 403, 404) },
      },
    },
    "/api/v1/projects/{project}/models/{model}/versions/{version}/sbom": versionDocument("The CycloneDX ML-BOM"),
    "/api/v1/projects/{project}/models/{model}/versions/{version}/audit": versionDocument("The dependency audit"),
    "/api/v1/projects/{project}/models/{model}/versions/{version}/signature": versionDocument("The server's model-signing bundle of an approved version: save as model.sig and run `modelgate verify DIR --public-key server.pub`"),
    "/api/v1/projects/{project}/models/{model}/versions/{version}/downloads": {
      get: { ...secured, tags: ["versions"], summary: "Who downloaded the version and when (reviewer, auditor, admin)", parameters: VERSION_PARAMS, responses: { "200": json({ type: "array", items: { type: "object", properties: { tokenId: { type: "string" }, name: { type: "string" }, at: { type: "string" }, path: { type: "string" } } } }), ...errors(401, 403, 404) } },
    },
    "/api/v1/projects/{project}/models/{model}/versions/{version}/approve": decision("approve", "reviewer or admin; not the token that pushed it"),
    "/api/v1/projects/{project}/models/{model}/versions/{version}/quarantine": decision("quarantine", "reviewer or admin"),
    "/api/v1/projects/{project}/models/{model}/versions/{version}/reject": decision("reject", "reviewer or admin"),
    "/api/v1/projects/{project}/models/{model}/versions/{version}/revoke": decision("revoke", "reviewer or admin"),
    "/api/v1/projects/{project}/models/{model}/versions/{version}/release": decision("release", "admin; not the token that pushed it"),
    "/api/v1/quarantine": {
      get: { ...secured, tags: ["decisions"], summary: "Quarantined versions with their reasons (reviewer, auditor, admin); `hold` gives the worst of the scan findings and failing policy results (maxSeverity, from, rule, reasons, failing)", responses: { "200": json({ type: "array", items: ref("VersionSummary") }), ...errors(401, 403) } },
    },
    "/api/v1/policy": {
      get: { ...secured, tags: ["policy"], summary: "The organisation policy (policy:read)", responses: { "200": json(ref("Policy")), ...errors(401, 403) } },
      put: { ...secured, tags: ["policy"], summary: "Replace the organisation policy (admin); refused with the line on error", requestBody: body(ref("PolicyInput")), responses: { "200": json(ref("Policy")), ...errors(400, 401, 403) } },
    },
    "/api/v1/webhooks": {
      get: { ...secured, tags: ["webhooks"], summary: "List webhooks (admin)", responses: { "200": json({ type: "array", items: ref("Webhook") }), ...errors(401, 403) } },
      post: {
        ...secured,
        tags: ["webhooks"],
        summary: "Add a webhook (admin); the HMAC secret is in this response only",
        requestBody: body({ type: "object", required: ["url", "events"], properties: { url: { type: "string" }, events: { type: "array", items: ref("WebhookEvent") }, secret: { type: "string" } } }),
        responses: { "201": json(ref("Webhook")), ...errors(400, 401, 403) },
      },
    },
    "/api/v1/webhooks/{id}": {
      delete: { ...secured, tags: ["webhooks"], summary: "Delete a webhook (admin)", parameters: [p("id", "webhook id", { type: "string" })], responses: { "204": { description: "deleted" }, ...errors(401, 403, 404) } },
    },
    "/api/v1/vulndb/update": {
      post: {
        ...secured,
        tags: ["vulndb"],
        summary: "Import an OSV export (all.zip) and re-audit every approved version (admin)",
        requestBody: body({ type: "string", format: "binary" }, "application/zip"),
        responses: { "202": json({ type: "object", properties: { database: { type: "object" }, reaudits: { type: "integer" } } }), ...errors(400, 401, 403, 413) },
      },
    },
    "/api/v1/stats/findings": {
      get: {
        ...secured,
        tags: ["versions"],
        summary: "Findings per day of the versions scanned, for charts (model:read; the token's projects)",
        parameters: [{ name: "days", in: "query", schema: { type: "integer", minimum: 1, maximum: 366, default: 30 } }],
        responses: { "200": json({ type: "array", items: { type: "object", properties: { date: { type: "string" }, critical: { type: "integer" }, high: { type: "integer" }, medium: { type: "integer" }, low: { type: "integer" }, info: { type: "integer" }, versions: { type: "integer" } } } }), ...errors(400, 401, 403) },
      },
    },
    "/api/v1/audit-log/checkpoint": {
      get: { ...secured, tags: ["audit-log"], summary: "Signed tree head of the transparency log (audit:read)", responses: { "200": json({ type: "object" }), ...errors(401, 403) } },
    },
    "/api/v1/audit-log/entries": {
      get: {
        ...secured,
        tags: ["audit-log"],
        summary: "Log entries from ≤ index < to, at most 1000 (audit:read; for a project auditor, entries outside its projects and token entries are {index, leafHash, redacted: true})",
        parameters: [
          { name: "from", in: "query", schema: { type: "integer", minimum: 0 } },
          { name: "to", in: "query", schema: { type: "integer", minimum: 0 } },
        ],
        responses: { "200": json({ type: "object", properties: { entries: { type: "array", items: { type: "object" } } } }), ...errors(400, 401, 403) },
      },
    },
    "/api/v1/audit-log/proof/inclusion": {
      get: {
        ...secured,
        tags: ["audit-log"],
        summary: "RFC 9162 inclusion proof of entry `index` in the tree of size `size` (audit:read)",
        parameters: [
          { name: "index", in: "query", required: true, schema: { type: "integer", minimum: 0 } },
          { name: "size", in: "query", required: true, schema: { type: "integer", minimum: 1 } },
        ],
        responses: { "200": json({ type: "object" }), ...errors(400, 401, 403) },
      },
    },
    "/api/v1/audit-log/proof/consistency": {
      get: {
        ...secured,
        tags: ["audit-log"],
        summary: "RFC 9162 consistency proof between tree sizes (audit:read)",
        parameters: [
          { name: "from", in: "query", required: true, schema: { type: "integer", minimum: 0 } },
          { name: "to", in: "query", required: true, schema: { type: "integer", minimum: 0 } },
        ],
        responses: { "200": json({ type: "object" }), ...errors(400, 401, 403) },
      },
    },
    "/api/v1/audit-log/public-key": {
      get: { ...open, tags: ["audit-log"], summary: "The key checkpoints are signed with (no auth)", responses: { "200": json({ type: "object", properties: { publicKeyPem: { type: "string" }, keyId: { type: "string" } } }) } },
    },
  },
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "API token `mg_…`" } },
    responses: {
      E400: json(ref("Error"), "invalid request (INVALID_OPTION, MALFORMED_INPUT)"),
      E401: json(ref("Error"), "missing, unknown, expired or revoked token (UNAUTHORIZED)"),
      E403: json(ref("Error"), "the token's scopes or roles do not allow it (FORBIDDEN)"),
      E404: json(ref("Error"), "not found (NOT_FOUND)"),
      E409: json(ref("Error"), "conflicts with the current state (CONFLICT)"),
      E413: json(ref("Error"), "larger than the server's limit (LIMIT_EXCEEDED)"),
      E503: json(ref("Error"), "a service the request needs cannot be reached, such as an import hub (UNAVAILABLE)"),
    },
    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: {
              code: { enum: ["NOT_FOUND", "UNAUTHORIZED", "FORBIDDEN", "CONFLICT", "INVALID_OPTION", "LIMIT_EXCEEDED", "MALFORMED_INPUT", "UNAVAILABLE", "INTERNAL"] },
              message: { type: "string" },
            },
          },
        },
      },
      Role: { enum: ["admin", "publisher", "reviewer", "consumer", "auditor"] },
      RoleGrant: { type: "object", required: ["project", "role"], properties: { project: { type: "string" }, role: ref("Role") } },
      Principal: {
        type: "object",
        properties: { tokenId: { type: "string" }, name: { type: "string" }, admin: { type: "boolean" }, scopes: { type: "array", items: { type: "string" } }, roles: { type: "array", items: ref("RoleGrant") } },
      },
      Token: {
        type: "object",
        properties: {
          id: { type: "string" },
          name: { type: "string" },
          admin: { type: "boolean" },
          roles: { type: "array", items: ref("RoleGrant") },
          scopes: { type: "array", items: { type: "string" } },
          createdAt: { type: "string" },
          expiresAt: { type: ["string", "null"] },
          lastUsedAt: { type: ["string", "null"] },
          revoked: { type: "boolean" },
        },
      },
      Project: { type: "object", properties: { name: { type: "string" }, createdAt: { type: "string" }, models: { type: "integer" } } },
      Status: { enum: ["uploading", "pending", "approved", "quarantined", "rejected", "revoked"] },
      VersionSummary: {
        type: "object",
        properties: {
          project: { type: "string" },
          model: { type: "string" },
          version: { type: "string" },
          status: ref("Status"),
          reasons: { type: "array", items: { type: "string" } },
          createdBy: { type: "string" },
          createdAt: { type: "string" },
          decidedAt: { type: "string" },
          decidedBy: { type: "string" },
          released: { type: "object", properties: { by: { type: "string" }, reason: { type: "string" }, at: { type: "string" } } },
          scan: { type: "object", properties: { maxSeverity: { type: "string" }, findings: { type: "integer" }, bySeverity: { type: "object" } } },
          downloadable: { type: "boolean" },
        },
      },
      Version: {
        allOf: [
          ref("VersionSummary"),
          {
            type: "object",
            properties: {
              files: { type: "array", items: { type: "object", properties: { path: { type: "string" }, size: { type: "integer" }, sha256: { type: "string" }, format: { type: "string" } } } },
              verdict: { type: "object", description: "the policy engine's CheckReport (or the scan gate when no policy engine applies)" },
              signature: { type: "object", properties: { verified: { type: "boolean" }, method: { type: "string" }, by: { type: "string" }, keyHint: { type: "string" } } },
              digest: { type: "string", description: "model-signing subject digest of the declared files" },
              source: ref("VersionSource"),
            },
          },
        ],
      },
      VersionSource: {
        type: "object",
        description: "where the server imported the version from (pull-through); absent for pushes",
        properties: { hub: { type: "string" }, repo: { type: "string" }, revision: { type: "string" }, commit: { type: "string" } },
      },
      Policy: { type: "object", properties: { yaml: { type: ["string", "null"] }, digest: { type: ["string", "null"] }, updatedAt: { type: ["string", "null"] }, source: { enum: ["project", "org", "config", "default"] } } },
      PolicyInput: { type: "object", required: ["yaml"], properties: { yaml: { type: "string" } } },
      WebhookEvent: { enum: ["version.approved", "version.quarantined", "version.rejected", "version.revoked", "version.verdict-changed", "version.upload-expired", "download"] },
      Webhook: { type: "object", properties: { id: { type: "string" }, url: { type: "string" }, events: { type: "array", items: ref("WebhookEvent") }, secret: { type: "string" }, createdAt: { type: "string" } } },
    },
  },
};

/** The OpenAPI path of a fastify route pattern: `:name` → `{name}`, `*` → `{*}`. */
export function openApiPath(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, "{$1}").replace(/\*$/, "{*}");
}
