import { parseSize } from "../../config/size.js";
import { formatBytes } from "../../report/text.js";
import type { BuiltinRule, RuleOutcome } from "./rule.js";

export const sizeMaxFile: BuiltinRule = {
  id: "size.max-file",
  title: "No file larger than the limit",
  applies: (doc) => doc.size?.max_file_size !== undefined,
  needs: ["model"],
  evaluate({ facts, policy }) {
    const max = parseSize(policy.document.size!.max_file_size!)!;
    const over: RuleOutcome[] = facts.model.files
      .filter((f) => f.size > max)
      .map((f) => ({ status: "fail", path: f.path, sha256: f.sha256, message: `${f.path} is ${formatBytes(f.size)}, larger than size.max_file_size (${formatBytes(max)})` }));
    return over.length > 0 ? over : [{ status: "pass", message: `largest file ${formatBytes(facts.model.files.reduce((m, f) => Math.max(m, f.size), 0))} (limit ${formatBytes(max)})` }];
  },
};

export const sizeMaxTotal: BuiltinRule = {
  id: "size.max-total",
  title: "Model not larger than the limit",
  applies: (doc) => doc.size?.max_total_size !== undefined,
  needs: ["model"],
  evaluate({ facts, policy }) {
    const max = parseSize(policy.document.size!.max_total_size!)!;
    const total = facts.model.totalSize;
    return total > max
      ? [{ status: "fail", message: `the model is ${formatBytes(total)}, larger than size.max_total_size (${formatBytes(max)})` }]
      : [{ status: "pass", message: `the model is ${formatBytes(total)} (limit ${formatBytes(max)})` }];
  },
};
