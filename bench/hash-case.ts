/**
 * One hashing measurement in its own process, so peak memory belongs to that run alone.
 * usage: node --import tsx bench/hash-case.ts DIR MODE
 *   MODE: files-sha256 | shards-sha256 | files-blake2b | streams-sha256
 *   streams-sha256 is the alternative design, kept for comparison: every file read by a concurrent stream
 *   and hashed on the main thread (node:crypto hashes on the calling thread, so this uses one core).
 * Prints one JSON line: duration, CPU time, subject digest, peak RSS.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { hashModel, subjectDigest, type HashAlgorithm } from "../src/sign/manifest/index.js";
import { peakRssMiB } from "./peak-rss.js";

async function streams(dir: string): Promise<Buffer> {
  const names = (await readdir(dir)).sort();
  const digests = await Promise.all(
    names.map(
      (n) =>
        new Promise<Buffer>((resolve, reject) => {
          const h = createHash("sha256");
          createReadStream(join(dir, n), { highWaterMark: 1024 * 1024 })
            .on("data", (c) => h.update(c))
            .on("error", reject)
            .on("end", () => resolve(h.digest()));
        }),
    ),
  );
  return createHash("sha256").update(Buffer.concat(digests)).digest();
}

const [dir, mode] = process.argv.slice(2);
if (!dir || !mode) {
  process.stderr.write("usage: hash-case.ts DIR files-sha256|shards-sha256|files-blake2b|streams-sha256\n");
  process.exit(2);
}
const u0 = process.resourceUsage();
const t0 = process.hrtime.bigint();
let subject: Buffer;
if (mode === "streams-sha256") subject = await streams(dir);
else {
  const [method, hashType] = mode.split("-") as ["files" | "shards", HashAlgorithm];
  // 256 MiB shards: a 512 MiB file becomes two units, so one big file still uses every core.
  const m = await hashModel(dir, { method, hashType, shardSize: 256 * 1024 * 1024 });
  subject = subjectDigest(m.resources);
}
const durationMs = Number(process.hrtime.bigint() - t0) / 1e6;
const usage = process.resourceUsage();
// CPU time of every thread of the process (worker threads included) while hashing.
const cpuMs = (usage.userCPUTime + usage.systemCPUTime - u0.userCPUTime - u0.systemCPUTime) / 1000;
process.stdout.write(`${JSON.stringify({ durationMs, cpuMs, subject: subject.toString("hex"), maxRssMiB: peakRssMiB() })}\n`);
