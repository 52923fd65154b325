// `modelgate project create|list`, `modelgate token create` and `modelgate server-key`: what an administrator does
// on a new gate server before anyone can push, without hand-written curl calls. Each is one API call
// (docs/server.md lists them); errors come back as the server's message with its HTTP status.
import { readFile, writeFile } from "node:fs/promises";
import { api } from "../../client/http.js";
import { ModelgateError } from "../../core/errors.js";
import { ROLES } from "../../server/auth/roles.js";
import { EXIT } from "../exit-codes.js";

interface ServerCliOptions {
  server?: string;
  token?: string;
  format?: "text" | "json";
}

interface ServerAccess {
  url: string;
  token: string;
}

/** --server (or MODELGATE_SERVER) and --token (or MODELGATE_TOKEN); undefined, said on stderr, when one is missing. */
function serverAccess(command: string, o: ServerCliOptions, needsToken = true): ServerAccess | undefined {
  const url = o.server ?? process.env.MODELGATE_SERVER;
  const token = o.token ?? process.env.MODELGATE_TOKEN ?? "";
  const missing = [!url && "--server URL (or MODELGATE_SERVER)", needsToken && !token && "--token T (or MODELGATE_TOKEN)"].filter(Boolean);
  if (missing.length > 0) {
    process.stderr.write(`modelgate ${command}: missing ${missing.join(", ")}\n`);
    return undefined;
  }
  try {
    const parsed = new URL(url!);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http or https");
  } catch (e) {
    process.stderr.write(`modelgate ${command}: --server ${url} is not a server URL such as http://127.0.0.1:8414 (${(e as Error).message})\n`);
    return undefined;
  }
  return { url: url!, token };
}

/** Runs one API call; a ModelgateError (refused, unreachable) is printed and becomes exit 2. */
async function call(command: string, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ModelgateError) {
      process.stderr.write(`modelgate ${command}: ${e.message}\n`);
      return EXIT.USAGE;
    }
    throw e;
  }
}

interface ProjectCreateCliOptions extends ServerCliOptions {
  policy?: string;
}

interface ProjectAnswer {
  name: string;
  createdAt: string;
  models: number;
}

/** `modelgate project create NAME`: a project (and optionally its policy), with the admin token. */
export async function runProjectCreate(name: string, raw: Record<string, unknown>): Promise<number> {
  const o = raw as ProjectCreateCliOptions;
  const access = serverAccess("project create", o);
  if (!access) return EXIT.USAGE;
  return call("project create", async () => {
    let policy: string | undefined;
    if (o.policy !== undefined) {
      try {
        policy = await readFile(o.policy, "utf8");
      } catch (e) {
        throw new ModelgateError("PATH_UNREADABLE", `--policy ${o.policy}: ${(e as Error).message}`);
      }
    }
    const p = await api<ProjectAnswer>(access.url, access.token, "POST", "/api/v1/projects", { name, ...(policy !== undefined ? { policy } : {}) });
    if (o.format === "json") process.stdout.write(`${JSON.stringify(p)}\n`);
    else process.stdout.write(`created project ${p.name}${policy !== undefined ? ` with the policy in ${o.policy}` : ""}\n`);
    return EXIT.OK;
  });
}

/** `modelgate project list`: the projects this token can read. */
export async function runProjectList(raw: Record<string, unknown>): Promise<number> {
  const o = raw as ServerCliOptions;
  const access = serverAccess("project list", o);
  if (!access) return EXIT.USAGE;
  return call("project list", async () => {
    const projects = await api<ProjectAnswer[]>(access.url, access.token, "GET", "/api/v1/projects");
    if (o.format === "json") process.stdout.write(`${JSON.stringify(projects, null, 2)}\n`);
    else if (projects.length === 0) process.stdout.write("no projects (create one with modelgate project create NAME)\n");
    else for (const p of projects) process.stdout.write(`${p.name}\t${p.models} model${p.models === 1 ? "" : "s"}\tcreated ${p.createdAt}\n`);
    return EXIT.OK;
  });
}

interface TokenCreateCliOptions extends ServerCliOptions {
  role?: string[];
  admin?: boolean;
  expiresInDays?: string;
}

interface TokenAnswer {
  id: string;
  token: string;
  name: string;
  expiresAt: string;
  roles: { project: string; role: string }[];
}

/** `--role PROJECT:ROLE` values as the API's roles; throws USAGE on a malformed one. */
function parseRoles(values: readonly string[]): { project: string; role: string }[] {
  return values.map((v) => {
    const at = v.lastIndexOf(":");
    if (at <= 0 || at === v.length - 1) throw new ModelgateError("USAGE", `--role ${v}: expected PROJECT:ROLE, e.g. vision:publisher`);
    const role = v.slice(at + 1);
    if (!(ROLES as readonly string[]).includes(role)) throw new ModelgateError("USAGE", `--role ${v}: no role ${role}; roles are ${ROLES.join(", ")}`);
    return { project: v.slice(0, at), role };
  });
}

/**
 * `modelgate token create NAME --role PROJECT:ROLE…`: a new API token. The token goes to standard output alone
 * (so `export MODELGATE_TOKEN=$(modelgate token create …)` works); what it may do goes to standard error.
 */
export async function runTokenCreate(name: string, raw: Record<string, unknown>): Promise<number> {
  const o = raw as TokenCreateCliOptions;
  const access = serverAccess("token create", o);
  if (!access) return EXIT.USAGE;
  return call("token create", async () => {
    const roles = parseRoles(o.role ?? []);
    const days = o.expiresInDays === undefined ? undefined : Number(o.expiresInDays);
    if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new ModelgateError("USAGE", `--expires-in-days must be a whole number of days, got ${o.expiresInDays}`);
    if (roles.length === 0 && !o.admin) throw new ModelgateError("USAGE", "a token needs at least one --role PROJECT:ROLE (or --admin)");
    const t = await api<TokenAnswer>(access.url, access.token, "POST", "/api/v1/tokens", { name, roles, ...(o.admin ? { admin: true } : {}), ...(days !== undefined ? { expiresInDays: days } : {}) });
    if (o.format === "json") {
      process.stdout.write(`${JSON.stringify(t)}\n`);
      return EXIT.OK;
    }
    process.stdout.write(`${t.token}\n`);
    const what = [...(o.admin ? ["admin"] : []), ...t.roles.map((r) => `${r.role} of ${r.project}`)].join(", ");
    process.stderr.write(`token ${t.name} (id ${t.id}): ${what}; expires ${t.expiresAt}. It is shown once: keep it in your secret store.\n`);
    return EXIT.OK;
  });
}

interface ServerKeyCliOptions extends ServerCliOptions {
  output?: string;
}

interface ServerKeyAnswer {
  publicKeyPem: string;
  keyHint: string;
  algorithm: string;
}

/**
 * `modelgate server-key`: the public key the server signs approved versions with, for `pull --public-key` and
 * `verify --public-key`. Fetched over the network it is only as trustworthy as that connection: the hint printed
 * is what to compare with the one the server's administrators publish (the key file under the data dir).
 */
export async function runServerKey(raw: Record<string, unknown>): Promise<number> {
  const o = raw as ServerKeyCliOptions;
  const access = serverAccess("server-key", o, false);
  if (!access) return EXIT.USAGE;
  return call("server-key", async () => {
    const k = await api<ServerKeyAnswer>(access.url, access.token, "GET", "/api/v1/server-key");
    if (typeof k?.publicKeyPem !== "string" || !k.publicKeyPem.startsWith("-----BEGIN PUBLIC KEY-----")) {
      throw new ModelgateError("NETWORK_ERROR", `${access.url} sent no public key (is it a modelgate server?)`);
    }
    const pem = k.publicKeyPem.endsWith("\n") ? k.publicKeyPem : `${k.publicKeyPem}\n`;
    if (o.output === undefined) process.stdout.write(pem);
    else {
      try {
        await writeFile(o.output, pem, { flag: "wx" });
      } catch (e) {
        throw new ModelgateError("PATH_UNREADABLE", `-o ${o.output}: ${(e as NodeJS.ErrnoException).code === "EEXIST" ? "exists (not replaced: remove it first if the server's key really changed)" : (e as Error).message}`);
      }
    }
    process.stderr.write(`server key ${k.keyHint} (${k.algorithm})${o.output !== undefined ? ` written to ${o.output}` : ""}: compare the hint with the one your administrators publish before you trust it\n`);
    return EXIT.OK;
  });
}
