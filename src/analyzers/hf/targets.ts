import { isConfigObject, type ConfigObject } from "./config-tree.js";

/**
 * Reviewed data: dotted names (modules, or module + attribute) that must never be the target of a
 * config-driven instantiate() call. A target matches an entry when it equals it or starts with it + ".".
 */
export const DANGEROUS_CALLABLES: readonly string[] = [
  "os",
  "posix",
  "nt",
  "subprocess",
  "pty",
  "commands",
  "builtins",
  "__builtin__",
  "__builtins__",
  "eval",
  "exec",
  "compile",
  "open",
  "getattr",
  "__import__",
  "importlib",
  "runpy",
  "code",
  "codeop",
  "sys",
  "shutil",
  "socket",
  "ctypes",
  "cffi",
  "multiprocessing",
  "asyncio.subprocess",
  "webbrowser",
  "urllib",
  "urllib2",
  "urllib3",
  "requests",
  "httpx",
  "http.client",
  "ftplib",
  "telnetlib",
  "smtplib",
  "paramiko",
  "pickle",
  "_pickle",
  "cPickle",
  "dill",
  "cloudpickle",
  "marshal",
  "shelve",
  "joblib.load",
  "torch.load",
  "torch.hub",
  "numpy.load",
  "yaml.load",
  "yaml.unsafe_load",
  "yaml.full_load",
  "pdb",
  "platform.popen",
  "pydoc.pipepager",
];

/**
 * Keys through which configuration names a Python callable that a framework imports and calls:
 * Hydra/OmegaConf `_target_` (NeMo, many training repos), LightningCLI/jsonargparse `class_path`,
 * and the latent-diffusion `target` + `params` convention (instantiate_from_config).
 */
export function instantiateTargets(obj: ConfigObject): Array<{ key: string; target: string }> {
  const out: Array<{ key: string; target: string }> = [];
  for (const key of ["_target_", "class_path"]) {
    const v = obj[key];
    if (typeof v === "string") out.push({ key, target: v });
  }
  const t = obj["target"];
  if (typeof t === "string" && ("params" in obj || isConfigObject(obj["params"]))) out.push({ key: "target", target: t });
  return out;
}

/** The deny-list entry a target falls under, if any. */
export function dangerousCallable(target: string): string | undefined {
  const name = target.trim().replace(/:/g, ".");
  for (const entry of DANGEROUS_CALLABLES) {
    if (name === entry || name.startsWith(`${entry}.`)) return entry;
  }
  return undefined;
}
