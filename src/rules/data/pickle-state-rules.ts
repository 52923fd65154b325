/**
 * Reviewed rules for library classes whose `__setstate__` runs code taken from the pickled state, and what a
 * benign state looks like. A rebuild whose state matches is vouched for; one that does not is critical, with the
 * code shown.
 *
 * scipy.stats distributions (`rv_generic.__setstate__` → `_attach_argparser_methods`) `exec()` the instance's
 * `_parse_arg_template`. scipy writes that template itself from the distribution's shape names; a pickle can put
 * any Python there (a remote-code gadget in every scikit-learn RandomizedSearchCV that holds a distribution). The
 * pattern is scipy's template (scipy/stats/_distn_infrastructure.py, parse_arg_template, identical in 1.6–1.14)
 * with the shape names as identifiers and the same in every place.
 */

export interface PickleStateRule {
  /** Classes this rule covers: module prefix and a qualname test. */
  readonly modulePrefix: string;
  readonly qualname: RegExp;
  /** The state attribute the class's __setstate__ executes. */
  readonly attribute: string;
  /** What scipy itself writes there. */
  readonly benign: RegExp;
  readonly reason: string;
}

const SHAPES = String.raw`((?:[A-Za-z_][A-Za-z0-9_]*, )*)`;
const SCIPY_TEMPLATE = new RegExp(
  "^\\ndef _parse_args\\(self, " + SHAPES + " (loc=0, scale=1|loc=0)\\):\\n" +
    "    return \\(\\1\\), (loc, scale|loc, 1)\\n\\n" +
    "def _parse_args_rvs\\(self, \\1 \\2, size=None\\):\\n" +
    "    return self\\._argcheck_rvs\\(\\1 \\3, size=size\\)\\n\\n" +
    "def _parse_args_stats\\(self, \\1 \\2, moments='mv'\\):\\n" +
    "    return \\(\\1\\), \\3, moments\\n$",
);

export const PICKLE_STATE_RULES: readonly PickleStateRule[] = [
  {
    modulePrefix: "scipy.stats.",
    qualname: /^[A-Za-z_][A-Za-z0-9_]*_gen$|^rv_(continuous|discrete|histogram|sample)$/,
    attribute: "_parse_arg_template",
    benign: SCIPY_TEMPLATE,
    reason: "scipy.stats distributions exec() their _parse_arg_template when unpickled (rv_generic.__setstate__)",
  },
];

/** The state rule for a class, if one applies. */
export function stateRuleOf(module: string, name: string): PickleStateRule | undefined {
  return PICKLE_STATE_RULES.find((r) => module.startsWith(r.modulePrefix) && r.qualname.test(name));
}
