import type { RuleDefinition } from "../rule.js";

/** NumPy .npy rules. What an object array's pickle does is reported by the pickle rules. */
export const NUMPY_RULES: readonly RuleDefinition[] = [
  {
    id: "numpy/object-array",
    title: "NumPy array of Python objects",
    severity: "low",
    description:
      "The array's dtype holds Python objects, so its data is stored as a pickle. np.load refuses it by default and runs the pickle when called with allow_pickle=True; the pickle itself was checked and anything dangerous in it is reported separately.",
    cwe: ["CWE-502"],
    atlas: ["AML.T0011.000"],
    owasp: ["ML06:2023"],
    remediation: "Store numeric data in numeric dtypes (or safetensors) so the file can be loaded with allow_pickle=False.",
  },
];
