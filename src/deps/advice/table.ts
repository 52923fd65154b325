/**
 * Reviewed table of ML package versions that are dangerous to run with untrusted models whatever the CVE list
 * at hand says (an old offline database, a mirror that lacks GHSA records, a transitive pin nobody looks at).
 * Data, not code: src/deps/advice/advice.ts matches it like an OSV record.
 *
 * Review notes (2025): ranges are the vendors' and GitHub's advisories for the CVEs named, cross-checked with
 * NVD. transformers and keras advisories are not in ../shared/osv (its README: they exist only as GHSA records
 * upstream); torch's CVE-2025-32434 is newer than that snapshot. `affected` uses only >=, > , <=, < clauses
 * (advice.test.ts checks each entry parses and is an exact interval). Keep `fixed` the first fixed release.
 */
import type { Severity } from "../../core/severity.js";

export interface AdviceEntry {
  /** Stable id (also the SARIF rule id after `modelgate-advice/`). */
  readonly id: string;
  /** PEP 503 normalised package name. */
  readonly package: string;
  /** Affected versions as a PEP 440 specifier set of >=, >, <=, < clauses. */
  readonly affected: string;
  /** First release that is not affected; absent when none is. */
  readonly fixed?: string;
  readonly severity: Severity;
  readonly title: string;
  readonly why: string;
  readonly cves: readonly string[];
  readonly references: readonly string[];
}

const nvd = (cve: string): string => `https://nvd.nist.gov/vuln/detail/${cve}`;

export const ADVICE: readonly AdviceEntry[] = [
  {
    id: "torch-load-weights-only-bypass",
    package: "torch",
    affected: "<2.6.0",
    fixed: "2.6.0",
    severity: "critical",
    title: "torch.load(weights_only=True) can be bypassed to run code",
    why: "Before 2.6.0 a crafted checkpoint runs arbitrary code even when loaded with torch.load(weights_only=True), the setting meant to make loading untrusted weights safe (CVE-2025-32434). transformers >= 4.50 refuses to torch.load with older torch for this reason.",
    cves: ["CVE-2025-32434"],
    references: ["https://github.com/pytorch/pytorch/security/advisories/GHSA-53q9-r3pm-6pq6", nvd("CVE-2025-32434")],
  },
  {
    id: "transformers-deserialization-4.36",
    package: "transformers",
    affected: "<4.36.0",
    fixed: "4.36.0",
    severity: "critical",
    title: "transformers unpickles untrusted files when loading some models and tokenizers",
    why: "Before 4.36.0 RagRetriever.from_pretrained (CVE-2023-6730) and TransfoXLTokenizer (CVE-2023-7018) load pickle files from a model repository, so downloading and loading a malicious model runs its code.",
    cves: ["CVE-2023-6730", "CVE-2023-7018"],
    references: [nvd("CVE-2023-6730"), nvd("CVE-2023-7018")],
  },
  {
    id: "transformers-tf-checkpoint-pickle",
    package: "transformers",
    affected: "<4.38.0",
    fixed: "4.38.0",
    severity: "critical",
    title: "transformers runs pickle on TensorFlow training checkpoints",
    why: "Before 4.38.0 TFPreTrainedModel.load_repo_checkpoint() calls pickle.load on a checkpoint from the model repository: resuming training from a malicious repository runs its code (CVE-2024-3568).",
    cves: ["CVE-2024-3568"],
    references: [nvd("CVE-2024-3568")],
  },
  {
    id: "transformers-deserialization-4.48",
    package: "transformers",
    affected: "<4.48.0",
    fixed: "4.48.0",
    severity: "high",
    title: "transformers deserialises untrusted data in MobileViTV2, MaskFormer and Trax conversion code",
    why: "Before 4.48.0 loading crafted files through the MobileViTV2 (CVE-2024-11392), MaskFormer (CVE-2024-11393) and Trax (CVE-2024-11394) code paths deserialises untrusted data and runs code (ZDI-24-1513/1514/1515).",
    cves: ["CVE-2024-11392", "CVE-2024-11393", "CVE-2024-11394"],
    references: [nvd("CVE-2024-11392"), nvd("CVE-2024-11393"), nvd("CVE-2024-11394")],
  },
  {
    id: "keras-safe-mode-bypass-3.9",
    package: "keras",
    affected: ">=3.0.0,<3.9.0",
    fixed: "3.9.0",
    severity: "critical",
    title: "keras.models.load_model(safe_mode=True) can be bypassed to run code",
    why: "Keras 3 before 3.9.0 lets a .keras archive's config.json import and call arbitrary Python functions even with safe_mode=True, the default that is supposed to block Lambda-style code (CVE-2025-1550).",
    cves: ["CVE-2025-1550"],
    references: [nvd("CVE-2025-1550")],
  },
  {
    id: "keras-safe-mode-bypass-3.11",
    package: "keras",
    affected: ">=3.0.0,<3.11.0",
    fixed: "3.11.0",
    severity: "high",
    title: "keras.models.load_model(safe_mode=True) has later bypasses",
    why: "Keras 3 before 3.11.0 still lets a crafted .keras archive turn safe_mode off or reach code-running functions through allowed modules, so loading an untrusted model can run code.",
    cves: ["CVE-2025-8747", "CVE-2025-9906"],
    references: [nvd("CVE-2025-8747"), nvd("CVE-2025-9906")],
  },
  {
    id: "numpy-load-allow-pickle-default",
    package: "numpy",
    affected: "<1.16.3",
    fixed: "1.16.3",
    severity: "high",
    title: "numpy.load unpickles object arrays by default",
    why: "Before 1.16.3 numpy.load defaults to allow_pickle=True, so loading an untrusted .npy/.npz file runs pickle and any code it carries (CVE-2019-6446, disputed by NumPy: pickle is documented as unsafe).",
    cves: ["CVE-2019-6446"],
    references: [nvd("CVE-2019-6446"), "https://numpy.org/doc/stable/release/1.16.3-notes.html"],
  },
  {
    id: "joblib-pre-dispatch-eval",
    package: "joblib",
    affected: "<1.2.0",
    fixed: "1.2.0",
    severity: "high",
    title: "joblib evaluates the pre_dispatch argument with eval()",
    why: "Before 1.2.0 Parallel(pre_dispatch=…) is passed to eval(), so a value that reaches it from configuration or a request runs code (CVE-2022-21797). Independently of the version, joblib.load is pickle: load only files you trust.",
    cves: ["CVE-2022-21797"],
    references: [nvd("CVE-2022-21797")],
  },
  {
    id: "mlflow-server-file-access",
    package: "mlflow",
    affected: "<2.2.1",
    fixed: "2.2.1",
    severity: "critical",
    title: "mlflow tracking server lets anyone read files on the host",
    why: "Before 2.2.1 an unauthenticated request to the tracking server can read arbitrary files (CVE-2023-1177), including credentials and SSH keys, which leads to full compromise of the server.",
    cves: ["CVE-2023-1177"],
    references: [nvd("CVE-2023-1177")],
  },
  {
    id: "mlflow-model-deserialization",
    package: "mlflow",
    affected: ">=0.9.0",
    severity: "high",
    title: "mlflow model flavours unpickle the model when it is loaded",
    why: "Loading a model with mlflow (pyfunc, sklearn, pytorch, pmdarima, LangChain and other flavours) deserialises it with pickle/cloudpickle, so a model uploaded by someone else runs code where it is loaded (CVE-2024-37052 to CVE-2024-37060). No release changes this: load only models from trusted registries and scan them with `modelgate scan` first.",
    cves: ["CVE-2024-37052", "CVE-2024-37053", "CVE-2024-37054", "CVE-2024-37055", "CVE-2024-37056", "CVE-2024-37057", "CVE-2024-37059", "CVE-2024-37060"],
    references: [nvd("CVE-2024-37052"), nvd("CVE-2024-37054")],
  },
  {
    id: "gradio-file-read",
    package: "gradio",
    affected: "<4.11.0",
    fixed: "4.11.0",
    severity: "high",
    title: "gradio apps expose files of the host",
    why: "Before 4.11.0 a path traversal in the file route lets anyone who can reach a Gradio app read files on its host (CVE-2023-51449), such as model weights, tokens and keys.",
    cves: ["CVE-2023-51449"],
    references: [nvd("CVE-2023-51449")],
  },
  {
    id: "langchain-code-execution",
    package: "langchain",
    affected: "<0.0.247",
    fixed: "0.0.247",
    severity: "critical",
    title: "langchain chains execute model output and prompt files as code",
    why: "Before 0.0.247 PALChain, load_prompt and related chains run Python produced by the model or read from prompt files (CVE-2023-36258, CVE-2023-34541, CVE-2023-36188, CVE-2023-38860): a prompt injection or a shared prompt file runs code.",
    cves: ["CVE-2023-36258", "CVE-2023-34541", "CVE-2023-36188", "CVE-2023-38860"],
    references: [nvd("CVE-2023-36258"), nvd("CVE-2023-34541")],
  },
];
