/**
 * Shell command lines inside configuration values. Configuration has no business carrying them:
 * they are payloads waiting for a tool or template that interpolates values into a shell.
 * Reviewed data; every quantifier is bounded so matching stays linear on hostile strings, and a
 * pattern only runs when one of its literal hints occurs in the value (cheap on large vocabularies).
 */
export const SHELL_PATTERNS: ReadonlyArray<{ what: string; hints: readonly string[]; pattern: RegExp }> = [
  { what: "recursive forced delete (rm -rf)", hints: ["rm "], pattern: /(?<![\w-])rm\s{1,8}(?:-{1,2}[\w-]{0,20}\s{1,8}){0,4}-[a-zA-Z]{0,6}(?:r[a-zA-Z]{0,6}f|f[a-zA-Z]{0,6}r|R)[a-zA-Z]{0,6}\s{1,8}(?:\/|~|\*|\$HOME|\.\.?(?:\/|\s|$))/ },
  { what: "download piped into a shell", hints: ["curl", "wget"], pattern: /(?<![\w-])(?:curl|wget)\s[^|\n;]{0,512}\|\s{0,8}(?:sudo\s{1,8})?(?:ba|z|k|da|fi)?sh(?![\w-])/ },
  { what: "download command", hints: ["curl", "wget", "Invoke-WebRequest", "iwr", "certutil"], pattern: /(?<![\w-])(?:curl|wget|Invoke-WebRequest|iwr|certutil\s{1,8}-urlcache)\s[^\n]{0,256}?(?:https?|ftp):\/\// },
  { what: "reverse shell through /dev/tcp", hints: ["/dev/tcp/", "/dev/udp/"], pattern: /\/dev\/(?:tcp|udp)\/[\w.-]{1,253}\/\d{1,5}/ },
  { what: "netcat executing a program", hints: ["nc ", "ncat", "netcat"], pattern: /(?<![\w-])(?:nc|ncat|netcat)\s[^\n]{0,128}\s-[ec]\s/ },
  { what: "interactive shell redirected (reverse shell)", hints: ["sh -i", "sh  -i"], pattern: /(?<![\w-])(?:ba|z)?sh\s{1,8}-i\s{0,8}[<>]&?/ },
  { what: "named pipe shell (mkfifo)", hints: ["mkfifo"], pattern: /(?<![\w-])mkfifo\s[^\n]{0,128}(?:nc|sh|bash)(?![\w-])/ },
  { what: "socat executing a program", hints: ["socat"], pattern: /(?<![\w-])socat\s[^\n]{0,256}exec:/i },
  { what: "encoded PowerShell command", hints: ["owershell", "OWERSHELL"], pattern: /(?<![\w-])powershell(?:\.exe)?\s[^\n]{0,128}-(?:e|ec|enc|encodedcommand)\s/i },
  { what: "inline interpreter command", hints: ["python", "perl", "ruby", "php", "node"], pattern: /(?<![\w-])(?:python[23]?(?:\.\d{1,2})?|perl|ruby|php|node)\s{1,8}-(?:c|e)\s{1,8}["']?[^\n]{0,64}(?:import|system|exec|spawn|socket|require)/ },
  { what: "making a file executable", hints: ["chmod"], pattern: /(?<![\w-])chmod\s{1,8}(?:\+x|[0-7]?[0-7][0-7][1357])\s/ },
  { what: "fork bomb", hints: [":("], pattern: /:\(\)\s{0,4}\{\s{0,4}:\s{0,4}\|\s{0,4}:\s{0,4}&\s{0,4}\}\s{0,4};\s{0,4}:/ },
  { what: "disk overwrite", hints: ["dd ", "mkfs"], pattern: /(?<![\w-])(?:dd\s[^\n]{0,64}of=\/dev\/(?:sd|hd|nvme|disk)|mkfs(?:\.\w{1,8})?\s{1,8}\/dev\/)/ },
];

/** The shell command kinds found in a string (first match of each pattern). */
export function findShellCommands(value: string): Array<{ what: string; excerpt: string }> {
  const out: Array<{ what: string; excerpt: string }> = [];
  for (const { what, hints, pattern } of SHELL_PATTERNS) {
    if (!hints.some((h) => value.includes(h))) continue;
    const m = pattern.exec(value);
    if (m) out.push({ what, excerpt: m[0].slice(0, 120) });
  }
  return out;
}
