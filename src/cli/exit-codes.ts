/** Exit codes other tools rely on (DESIGN.md "Contracts"). */
export const EXIT = Object.freeze({ OK: 0, FINDINGS: 1, USAGE: 2 });
