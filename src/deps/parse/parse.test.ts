import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import type { Dependency, DependencyIssue } from "../types.js";
import { parseDependencyFile, parseDependencyText } from "./index.js";

const FIXTURES = path.resolve(import.meta.dirname, "../../../test/fixtures/deps");

function dep(d: Partial<Dependency> & Pick<Dependency, "name" | "source">): Dependency {
  return { rawName: d.name, specifier: "", extras: [], hashes: [], locked: false, ...d };
}

function issue(code: DependencyIssue["code"], file: string, line: number | undefined, message: string | RegExp) {
  return { code, source: line === undefined ? { file } : { file, line }, message: typeof message === "string" ? message : expect.stringMatching(message) };
}

async function parseFixture(rel: string) {
  return parseDependencyFile(path.join(FIXTURES, rel), { displayPath: rel });
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<ModelgateError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelgateError);
    return e as ModelgateError;
  }
  throw new Error("expected an error");
}

describe("requirements files", () => {
  it("reads PEP 508 lines, hashes over continuations, includes with a cycle, constraints, editables and URLs", async () => {
    const r = await parseFixture("requirements/requirements.txt");
    const main = "requirements/requirements.txt";
    expect(r.kind).toBe("requirements");
    expect(r.path).toBe(main);
    expect(r.dependencies).toEqual([
      dep({ name: "pyyaml", specifier: ">=6.0", source: { file: "requirements/base.txt", line: 2 } }),
      dep({ name: "urllib3", specifier: "<2", group: "constraint", source: { file: "requirements/constraints.txt", line: 1 } }),
      dep({
        name: "torch",
        specifier: "==1.13.1",
        version: "1.13.1",
        hashes: ["sha256:aaaa1111", "sha256:bbbb2222"],
        source: { file: main, line: 6 },
      }),
      dep({
        name: "transformers",
        specifier: ">=4.30,<5",
        extras: ["torch", "sentencepiece"],
        marker: 'python_version >= "3.8"',
        source: { file: main, line: 9 },
      }),
      dep({ name: "numpy", specifier: "~=1.24.0", source: { file: main, line: 10 } }),
      dep({ name: "requests", specifier: "===2.31.0", version: "2.31.0", source: { file: main, line: 11 } }),
      dep({ name: "scipy", specifier: "==1.11.*", source: { file: main, line: 12 } }),
      dep({ name: "pillow", rawName: "Pillow", specifier: "!=9.0.0,>=8", source: { file: main, line: 13 } }),
      dep({
        name: "onnx",
        url: "https://files.example.com/onnx-1.14.0.tar.gz",
        marker: 'sys_platform == "linux"',
        source: { file: main, line: 14 },
      }),
      dep({
        name: "tokenizers",
        url: "git+https://github.com/example/tokenizers.git@v0.13.3#egg=tokenizers",
        editable: true,
        source: { file: main, line: 15 },
      }),
      dep({
        name: "safetensors",
        version: "0.3.1",
        url: "https://files.example.com/wheels/safetensors-0.3.1-cp39-cp39-manylinux_2_17_x86_64.whl",
        source: { file: main, line: 17 },
      }),
    ]);
    expect(r.issues).toEqual([
      issue("include-cycle", "requirements/base.txt", 1, /requirements\/requirements\.txt includes itself/),
      issue("include-missing", "requirements/base.txt", 3, /requirements\/missing\.txt not found/),
      issue("unsupported-option", main, 4, /^--extra-index-url https:\/\/user:\*\*\*@pkgs\.example\.com\/simple: .*dependency confusion/),
      issue("no-version", main, 14, /^onnx comes from https:/),
      issue("no-version", main, 15, /^tokenizers comes from git\+https:/),
      issue("unsupported-option", main, 16, /^-e \.\/local-package: local path/),
      issue("unparsed-line", main, 18, /accelerate==\$\{ACCELERATE_VERSION\}.*environment variables are not expanded/),
      issue("unparsed-line", main, 19, /"this is not a requirement"/),
    ]);
    // The password in the extra index URL never reaches the report.
    expect(JSON.stringify(r)).not.toContain("s3cret");
  });

  it("reports includes as not followed when only the text is given", () => {
    const r = parseDependencyText("-r base.txt\n-c constraints.txt\nrequests==2.31.0\n", "requirements", "req.txt");
    expect(r.dependencies).toEqual([dep({ name: "requests", specifier: "==2.31.0", version: "2.31.0", source: { file: "req.txt", line: 3 } })]);
    expect(r.issues.map((i) => [i.code, i.source.line])).toEqual([
      ["include-missing", 1],
      ["include-missing", 2],
    ]);
  });

  it("gives the dependencies of a constraints file the group 'constraint'", () => {
    const r = parseDependencyText("numpy<2\n", "requirements", "constraints-py311.txt");
    expect(r.dependencies[0]?.group).toBe("constraint");
  });

  it("stops following includes past maxIncludeDepth", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mg-deps-depth-"));
    try {
      for (let i = 0; i < 5; i++) await writeFile(path.join(dir, `r${i}.txt`), `pkg${i}==1.0\n-r r${i + 1}.txt\n`);
      await writeFile(path.join(dir, "r5.txt"), "last==1.0\n");
      const r = await parseDependencyFile(path.join(dir, "r0.txt"), { kind: "requirements", maxIncludeDepth: 2, displayPath: "r0.txt" });
      expect(r.dependencies.map((d) => d.name)).toEqual(["pkg0", "pkg1", "pkg2"]);
      expect(r.issues).toEqual([issue("limit-exceeded", "r2.txt", 2, /nest deeper than 2 levels/)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("pyproject.toml", () => {
  it("reads PEP 621 dependencies, extras, build requirements and PEP 735 groups with include-group", async () => {
    const f = "pep621/pyproject.toml";
    const r = await parseFixture(f);
    expect(r.kind).toBe("pyproject");
    const at = (line: number) => ({ file: f, line });
    expect(r.dependencies).toEqual([
      dep({ name: "setuptools", specifier: ">=61", group: "build", source: at(2) }),
      dep({ name: "wheel", group: "build", source: at(2) }),
      dep({ name: "torch", specifier: ">=2.0,<2.3", source: at(10) }),
      dep({ name: "numpy", specifier: "==1.26.4", version: "1.26.4", source: at(11) }),
      dep({ name: "pillow", extras: ["avif"], marker: "sys_platform != 'win32'", source: at(12) }),
      dep({ name: "mylib", url: "git+https://github.com/example/mylib.git@v1.2", source: at(13) }),
      dep({ name: "onnxruntime", specifier: ">=1.16", group: "onnx", source: at(17) }),
      dep({ name: "fastapi", group: "serve", source: at(19) }),
      dep({ name: "uvicorn", specifier: "==0.23.2", version: "0.23.2", extras: ["standard"], group: "serve", source: at(20) }),
      dep({ name: "pytest", specifier: ">=7", group: "test", source: at(24) }),
      dep({ name: "coverage", extras: ["toml"], group: "test", source: at(24) }),
      dep({ name: "ruff", specifier: "==0.4.4", version: "0.4.4", group: "lint", source: at(25) }),
      dep({ name: "pytest", specifier: ">=7", group: "dev", source: at(24) }),
      dep({ name: "coverage", extras: ["toml"], group: "dev", source: at(24) }),
      dep({ name: "ruff", specifier: "==0.4.4", version: "0.4.4", group: "dev", source: at(25) }),
      dep({ name: "ipython", group: "dev", source: at(26) }),
    ]);
    expect(r.issues).toEqual([
      issue("no-version", f, 13, /^mylib comes from git\+https/),
      issue("include-cycle", f, 28, /include-group "loop-a" in group "loop-b" forms a cycle/),
      issue("unparsed-line", f, 28, /"not a requirement"/),
      issue("include-cycle", f, 27, /include-group "loop-b" in group "loop-a" forms a cycle/),
      issue("unsupported-option", f, 30, /uv index "internal" https:\/\/pkgs\.example\.com\/simple/),
    ]);
  });

  it("converts Poetry caret, tilde, wildcard, table and multiple-constraint dependencies to PEP 440", async () => {
    const f = "poetry/pyproject.toml";
    const r = await parseFixture(f);
    const at = (line: number) => ({ file: f, line });
    expect(r.dependencies).toEqual([
      dep({ name: "poetry-core", specifier: ">=1.0.0", group: "build", source: at(40) }),
      dep({ name: "torch", specifier: ">=2.1.0,<3.0.0", source: at(8) }),
      dep({ name: "numpy", specifier: ">=1.26,<1.27.0", source: at(9) }),
      dep({ name: "scipy", specifier: ">=0.13.2,<0.14.0", source: at(10) }),
      dep({ name: "tiny", specifier: ">=0.0.3,<0.0.4", source: at(11) }),
      dep({ name: "requests", source: at(12) }),
      dep({ name: "pydantic", specifier: ">=1.10,<3", source: at(13) }),
      dep({ name: "pyyaml", specifier: "==6.0.1", version: "6.0.1", source: at(14) }),
      dep({ name: "sentencepiece", specifier: ">=0.1.99,<0.2.0", group: "spm", source: at(15) }),
      dep({
        name: "tokenizers",
        specifier: ">=0.15.0,<0.16.0",
        extras: ["testing"],
        marker: "platform_machine == 'x86_64' and python_version >= \"3.11\"",
        source: at(16),
      }),
      dep({ name: "mylib", url: "git+https://github.com/example/mylib.git@v2.0.0", source: at(17) }),
      dep({ name: "localpkg", url: "../localpkg", editable: true, source: at(18) }),
      dep({ name: "tensorflow", specifier: ">=2.15,<2.16.0", marker: 'sys_platform == "linux"', source: at(20) }),
      dep({ name: "tensorflow", specifier: "==2.13.1", version: "2.13.1", marker: "sys_platform == 'darwin'", source: at(21) }),
      dep({ name: "black", specifier: "==23.*", group: "dev", source: at(32) }),
      dep({ name: "pytest", specifier: ">=7.4,<8.0.0", group: "dev", source: at(29) }),
    ]);
    expect(r.issues).toEqual([
      issue("no-version", f, 17, /^mylib comes from git\+https/),
      issue("no-version", f, 18, /^localpkg comes from \.\.\/localpkg/),
      issue("unparsed-line", f, 23, /broken = "\^not-a-version"/),
      issue("unsupported-option", f, 34, /package source "private" https:\/\/pypi\.example\.com\/simple\//),
    ]);
  });

  it("follows setuptools dynamic dependency files from disk and reports them when given as text", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mg-deps-dyn-"));
    try {
      const toml = '[project]\nname = "x"\ndynamic = ["dependencies"]\n\n[tool.setuptools.dynamic]\ndependencies = { file = ["requirements.in"] }\n';
      await writeFile(path.join(dir, "pyproject.toml"), toml);
      await writeFile(path.join(dir, "requirements.in"), "torch==2.1.0\n");
      const r = await parseDependencyFile(path.join(dir, "pyproject.toml"), { displayPath: "pyproject.toml" });
      expect(r.dependencies).toEqual([dep({ name: "torch", specifier: "==2.1.0", version: "2.1.0", source: { file: "requirements.in", line: 1 } })]);
      expect(r.issues).toEqual([]);
      const t = parseDependencyText(toml, "pyproject", "pyproject.toml");
      expect(t.issues.map((i) => [i.code, i.source.line])).toEqual([["include-missing", 6]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("notes dynamic dependencies it cannot read", () => {
    const r = parseDependencyText('[project]\nname = "x"\ndynamic = ["dependencies"]\n', "pyproject", "pyproject.toml");
    expect(r.issues).toEqual([issue("unsupported-option", "pyproject.toml", 3, /dependencies are dynamic/)]);
  });
});

describe("lock files", () => {
  it("reads poetry.lock packages, groups, hashes and sources", async () => {
    const f = "poetry/poetry.lock";
    const r = await parseFixture(f);
    expect(r.kind).toBe("poetry-lock");
    const locked = (d: Partial<Dependency> & Pick<Dependency, "name" | "version" | "source">) => dep({ specifier: `==${d.version}`, locked: true, ...d });
    expect(r.dependencies).toEqual([
      locked({
        name: "certifi",
        version: "2023.7.22",
        hashes: [
          "sha256:92d6037539857d8206b8f6ae472e8b77db8058fec5937a1ef3f54304089edbb9",
          "sha256:539cc1d13202e33ca466e88b2807e29f4c13049d6d87031a3c110744495cb082",
        ],
        source: { file: f, line: 3 },
      }),
      locked({
        name: "pyyaml",
        rawName: "PyYAML",
        version: "6.0.1",
        hashes: ["sha256:bfdf460b1736c775f2ba9f6a92bca30bc2095067b8a9d77876d1fad6cc3b4a43"],
        source: { file: f, line: 14 },
      }),
      locked({ name: "pytest", version: "7.4.0", group: "dev", source: { file: f, line: 24 } }),
      locked({
        name: "mylib",
        version: "2.0.0",
        url: "git+https://github.com/example/mylib.git@0123456789abcdef0123456789abcdef01234567",
        source: { file: f, line: 33 },
      }),
      locked({ name: "internal-tools", version: "0.4.1", group: "dev", hashes: ["sha256:00112233"], source: { file: f, line: 47 } }),
    ]);
    expect(r.issues).toEqual([issue("unsupported-option", f, 47, /locked from index https:\/\/pypi\.example\.com\/simple, not PyPI/)]);
  });

  it("reads uv.lock: registry and git packages, a path package without version, the virtual root skipped", async () => {
    const f = "uv/uv.lock";
    const r = await parseFixture(f);
    expect(r.kind).toBe("uv-lock");
    expect(r.dependencies).toEqual([
      dep({
        name: "numpy",
        specifier: "==1.26.4",
        version: "1.26.4",
        locked: true,
        hashes: [
          "sha256:2a02aba9ed12e4ac4eb3ea9421c420301a0c6460d9830d74a9df87efa4912010",
          "sha256:666dbfb6ec68962c033a450943ded891bed2d54e6755e35e5835d63f4f6931d5",
        ],
        source: { file: f, line: 13 },
      }),
      dep({
        name: "tokenizers",
        specifier: "==0.15.2",
        version: "0.15.2",
        locked: true,
        url: "git+https://github.com/huggingface/tokenizers?rev=v0.15.2#0123456789abcdef0123456789abcdef01234567",
        source: { file: f, line: 22 },
      }),
      dep({ name: "helper", locked: true, url: "../helper", source: { file: f, line: 27 } }),
      dep({ name: "corp-utils", specifier: "==3.1.0", version: "3.1.0", locked: true, hashes: ["sha256:abcdef"], source: { file: f, line: 31 } }),
    ]);
    expect(r.issues).toEqual([
      issue("no-version", f, 27, /^helper comes from \.\.\/helper/),
      issue("unsupported-option", f, 31, /locked from index https:\/\/pkgs\.example\.com\/simple, not PyPI/),
    ]);
  });

  it("skips an editable root in uv.lock", () => {
    const r = parseDependencyText('version = 1\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\n', "uv-lock", "uv.lock");
    expect(r.dependencies).toEqual([]);
    expect(r.issues).toEqual([]);
  });

  it("reads Pipfile.lock default and develop sections", async () => {
    const f = "pipenv/Pipfile.lock";
    const r = await parseFixture(f);
    expect(r.kind).toBe("pipfile-lock");
    expect(r.dependencies).toEqual([
      dep({
        name: "requests",
        specifier: "==2.31.0",
        version: "2.31.0",
        locked: true,
        marker: "python_version >= '3.7'",
        hashes: [
          "sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f",
          "sha256:942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1",
        ],
        source: { file: f, line: 19 },
      }),
      dep({ name: "torch", specifier: "==2.1.0", version: "2.1.0", locked: true, extras: ["opt-einsum"], source: { file: f, line: 28 } }),
      dep({
        name: "mylib",
        locked: true,
        editable: true,
        url: "git+https://github.com/example/mylib.git@0123456789abcdef0123456789abcdef01234567",
        source: { file: f, line: 33 },
      }),
      dep({
        name: "pytest",
        specifier: "==7.4.0",
        version: "7.4.0",
        locked: true,
        group: "dev",
        marker: "python_version >= '3.7'",
        hashes: ["sha256:2f2301e797521b23e4d2585a0a3d7b5e50fdddaaf7e7d6773ea26ddb17c213ab"],
        source: { file: f, line: 40 },
      }),
    ]);
    expect(r.issues).toEqual([issue("no-version", f, 33, /^mylib comes from git\+https/)]);
  });
});

describe("conda environment files", () => {
  it("reads conda specs (group conda, python skipped) and the pip section with its -r include", async () => {
    const f = "conda/environment.yml";
    const r = await parseFixture(f);
    expect(r.kind).toBe("conda-env");
    const conda = (d: Partial<Dependency> & Pick<Dependency, "name">, line: number) => dep({ group: "conda", source: { file: f, line }, ...d });
    expect(r.dependencies).toEqual([
      conda({ name: "numpy", specifier: "==1.21.*" }, 7),
      conda({ name: "scipy", specifier: "==1.11.4", version: "1.11.4" }, 8),
      conda({ name: "pandas", specifier: ">=2.0,<2.2" }, 9),
      conda({ name: "pillow", specifier: "==10.0.1.*" }, 10),
      conda({ name: "cudatoolkit", specifier: "==11.8.*" }, 11),
      conda({ name: "pip" }, 12),
      dep({ name: "accelerate", specifier: "==0.24.1", version: "0.24.1", source: { file: "conda/requirements.txt", line: 1 } }),
      dep({ name: "transformers", specifier: "==4.35.2", version: "4.35.2", source: { file: f, line: 15 } }),
    ]);
    expect(r.issues).toEqual([
      issue("unsupported-option", f, 16, /^--extra-index-url https:\/\/download\.example\.com\/whl/),
      issue("unparsed-line", f, 17, /"not a requirement !"/),
    ]);
  });
});

describe("malformed files name the file and the line", () => {
  it.each([
    ["malformed/pyproject.toml", /^malformed\/pyproject\.toml:5:11: invalid TOML: /],
    ["malformed/uv.lock", /^malformed\/uv\.lock:5:\d+: invalid TOML: /],
    ["malformed/environment.yml", /^malformed\/environment\.yml:5:\d+: invalid YAML: /],
    ["malformed/Pipfile.lock", /^malformed\/Pipfile\.lock:5:9: invalid JSON: /],
  ])("%s", async (rel, message) => {
    const e = await errorOf(parseFixture(rel));
    expect(e.code).toBe("MALFORMED_INPUT");
    expect(e.message).toMatch(message);
  });

  it("points into text given without a file", async () => {
    const e = await errorOf(() => parseDependencyText('{\n  "default": {\n    "a": [1,,]\n  }\n}\n', "pipfile-lock", "Pipfile.lock"));
    expect(e.message).toMatch(/^Pipfile\.lock:3:\d+: invalid JSON/);
  });
});

describe("choosing the format and failing clearly", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mg-deps-kind-"));
    await writeFile(path.join(dir, "deps.txt"), "# pinned\ntorch==2.1.0\nnumpy>=1.24\n");
    await writeFile(path.join(dir, "notes.txt"), "Remember to retrain the model on Monday.\n");
    await writeFile(path.join(dir, "lockfile"), '{"_meta": {}, "default": {"six": {"version": "==1.16.0"}}}');
    await writeFile(path.join(dir, "env.yaml"), "channels: [conda-forge]\ndependencies:\n  - numpy=1.26\n");
    await writeFile(path.join(dir, "config.yaml"), "model:\n  layers: 12\n");
    await writeFile(path.join(dir, "project.toml"), '[project]\nname = "x"\ndependencies = ["six"]\n');
    await writeFile(path.join(dir, "pylock.toml"), 'lock-version = "1.0"\n[[packages]]\nname = "six"\n');
    await mkdir(path.join(dir, "a-folder"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["deps.txt", "requirements"],
    ["lockfile", "pipfile-lock"],
    ["env.yaml", "conda-env"],
    ["project.toml", "pyproject"],
  ])("sniffs %s as %s from its content", async (name, kind) => {
    const r = await parseDependencyFile(path.join(dir, name));
    expect(r.kind).toBe(kind);
    expect(r.dependencies.length).toBeGreaterThan(0);
  });

  it.each(["notes.txt", "config.yaml", "pylock.toml"])("refuses %s as UNSUPPORTED", async (name) => {
    const e = await errorOf(parseDependencyFile(path.join(dir, name), { displayPath: name }));
    expect(e.code).toBe("UNSUPPORTED");
    expect(e.message).toMatch(new RegExp(`^${name.replace(".", "\\.")}: not a recognised dependency file \\(`));
  });

  it("reads any .txt as requirements when the kind is given", async () => {
    const r = await parseDependencyFile(path.join(dir, "notes.txt"), { kind: "requirements", displayPath: "notes.txt" });
    expect(r.dependencies).toEqual([]);
    expect(r.issues.map((i) => i.code)).toEqual(["unparsed-line"]);
  });

  it("says PATH_NOT_FOUND for a missing file and PATH_UNREADABLE for a folder", async () => {
    expect((await errorOf(parseDependencyFile(path.join(dir, "requirements.txt")))).code).toBe("PATH_NOT_FOUND");
    expect((await errorOf(parseDependencyFile(path.join(dir, "a-folder")))).code).toBe("PATH_UNREADABLE");
  });

  it("says LIMIT_EXCEEDED past maxBytes", async () => {
    const e = await errorOf(parseDependencyFile(path.join(dir, "deps.txt"), { maxBytes: 10 }));
    expect(e.code).toBe("LIMIT_EXCEEDED");
    expect(e.message).toContain("deps.txt");
  });

  it("refuses an unknown kind", async () => {
    const e = await errorOf(() => parseDependencyText("", "setup-py" as never, "setup.py"));
    expect(e.code).toBe("INVALID_OPTION");
  });

  it("records a limit-exceeded issue past 100 000 lines and keeps what came before", () => {
    const text = "a==1\n" + "\n".repeat(100_000) + "b==2\n";
    const r = parseDependencyText(text, "requirements", "big.txt");
    expect(r.dependencies.map((d) => d.name)).toEqual(["a"]);
    expect(r.issues).toEqual([issue("limit-exceeded", "big.txt", 100_000, /more than 100000 lines/)]);
  });

  it("decodes a UTF-16 requirements file (PowerShell's pip freeze)", async () => {
    const p = path.join(dir, "requirements-win.txt");
    await writeFile(p, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("torch==2.1.0\r\nsix==1.16.0\r\n", "utf16le")]));
    const r = await parseDependencyFile(p);
    expect(r.dependencies.map((d) => [d.name, d.version, d.source.line])).toEqual([
      ["torch", "2.1.0", 1],
      ["six", "1.16.0", 2],
    ]);
  });
});

describe("dependency count limit", () => {
  it("stops at 100 000 dependencies with one limit-exceeded issue", () => {
    const entries = Array.from({ length: 100_005 }, (_, i) => `"p${i}": {"version": "==1.0"}`).join(",\n");
    const r = parseDependencyText(`{"_meta": {}, "default": {\n${entries}\n}}`, "pipfile-lock", "Pipfile.lock");
    expect(r.dependencies).toHaveLength(100_000);
    expect(r.dependencies[99_999]?.name).toBe("p99999");
    expect(r.issues).toEqual([issue("limit-exceeded", "Pipfile.lock", 100_002, /more than 100000 dependencies/)]);
  });
});
