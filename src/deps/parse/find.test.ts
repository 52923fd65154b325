import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { findDependencyFiles } from "./find.js";

describe("findDependencyFiles", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mg-deps-find-"));
    const files: Record<string, string> = {
      "requirements.txt": "torch\n",
      "requirements-dev.txt": "pytest\n",
      "dev-requirements.in": "black\n",
      "constraints.txt": "numpy<2\n",
      "README.md": "# model\n",
      "config.yaml": "layers: 12\n",
      "environment.yml": "dependencies:\n  - numpy\n",
      "conda/env-gpu.yaml": "channels: [nvidia]\ndependencies:\n  - cudatoolkit\n",
      "requirements/base.txt": "six\n",
      "app/pyproject.toml": "[project]\nname='x'\n",
      "app/uv.lock": "version = 1\n",
      "app/sub/poetry.lock": "",
      "app/sub/deeper/Pipfile.lock": "{}",
      ".git/requirements.txt": "evil\n",
      "node_modules/pkg/requirements.txt": "evil\n",
      "model.safetensors": "",
    };
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), text);
    }
    await mkdir(path.join(dir, "outside"));
    await writeFile(path.join(dir, "outside", "requirements.txt"), "x\n");
    await symlink(path.join(dir, "outside", "requirements.txt"), path.join(dir, "requirements-link.txt"));
    await symlink(path.join(dir, "outside"), path.join(dir, "linked-dir"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the dependency files two levels deep, sorted, skipping .git, node_modules and symlinks", async () => {
    const found = (await findDependencyFiles(dir)).map((p) => path.relative(dir, p).split(path.sep).join("/"));
    expect(found).toEqual([
      "app/pyproject.toml",
      "app/sub/poetry.lock",
      "app/uv.lock",
      "conda/env-gpu.yaml",
      "constraints.txt",
      "dev-requirements.in",
      "environment.yml",
      "outside/requirements.txt",
      "requirements-dev.txt",
      "requirements.txt",
      "requirements/base.txt",
    ]);
  });

  it("with followFileLinks, returns links to files (a Hugging Face cache snapshot) but never enters linked folders", async () => {
    const found = (await findDependencyFiles(dir, { followFileLinks: true })).map((p) => path.relative(dir, p).split(path.sep).join("/"));
    expect(found).toContain("requirements-link.txt");
    expect(found.some((p) => p.startsWith("linked-dir/"))).toBe(false);
  });

  it("honours maxDepth", async () => {
    const found = (await findDependencyFiles(dir, { maxDepth: 0 })).map((p) => path.basename(p));
    expect(found).toEqual(["constraints.txt", "dev-requirements.in", "environment.yml", "requirements-dev.txt", "requirements.txt"]);
  });

  it("says PATH_NOT_FOUND for a missing folder", async () => {
    await expect(findDependencyFiles(path.join(dir, "nope"))).rejects.toMatchObject({ code: "PATH_NOT_FOUND" });
    await expect(findDependencyFiles(path.join(dir, "nope"))).rejects.toBeInstanceOf(ModelgateError);
    await expect(findDependencyFiles(path.join(dir, "requirements.txt"))).rejects.toMatchObject({ code: "PATH_UNREADABLE", message: /not a folder/ });
  });
});
