// `modelgate completion bash|zsh|fish`: shell completion scripts made from the program's own command and option
// tables (commander), so they list exactly what `--help` lists. Commands, subcommands, options and the values of
// options with fixed choices complete; anything else falls back to file names.
import type { Command, Option } from "commander";

export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

interface CommandSpec {
  /** "scan", or "audit-log verify" for a subcommand. */
  path: string;
  description: string;
  subcommands: string[];
  /** The choices of its first argument, when it has fixed ones (`completion <shell>`). */
  argChoices?: readonly string[];
  options: { flags: string[]; description: string; choices?: readonly string[]; takesValue: boolean }[];
}

function optionSpec(o: Option): CommandSpec["options"][number] {
  const flags = [o.short, o.long].filter((f): f is string => typeof f === "string");
  return { flags, description: o.description, ...(o.argChoices ? { choices: o.argChoices } : {}), takesValue: o.required || o.optional };
}

/** Every command and subcommand of the program (help excluded), depth first. */
function specs(program: Command): CommandSpec[] {
  const out: CommandSpec[] = [];
  const visit = (c: Command, prefix: string): void => {
    for (const sub of c.commands) {
      const path = prefix ? `${prefix} ${sub.name()}` : sub.name();
      const argChoices = sub.registeredArguments[0]?.argChoices;
      out.push({ path, description: sub.description(), subcommands: sub.commands.map((x) => x.name()), ...(argChoices ? { argChoices } : {}), options: [...sub.options.map(optionSpec), { flags: ["-h", "--help"], description: "display help for command", takesValue: false }] });
      visit(sub, path);
    }
  };
  visit(program, "");
  return out;
}

/** Single-quoted for POSIX shells and fish (a ' inside becomes '\''; fish reads \' inside single quotes). */
const quote = (s: string, shell: "sh" | "fish"): string => (shell === "fish" ? `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'` : `'${s.replace(/'/g, `'\\''`)}'`);

function bash(program: Command): string {
  const all = specs(program);
  const top = program.commands.map((c) => c.name());
  const words: string[] = [];
  const values: string[] = [];
  for (const c of all) {
    words.push(`    ${quote(c.path, "sh")}) words=${quote(c.options.flatMap((o) => o.flags).join(" "), "sh")}${c.argChoices ? ` args=${quote(c.argChoices.join(" "), "sh")}` : ""} ;;`);
    for (const o of c.options) if (o.choices) for (const f of o.flags) values.push(`    ${quote(`${c.path} ${f}`, "sh")}) COMPREPLY=($(compgen -W ${quote(o.choices.join(" "), "sh")} -- "$cur")); return ;;`);
  }
  return `# modelgate completion for bash: add to ~/.bashrc
#   source <(modelgate completion bash)
_modelgate() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" words="" args="" i w
  # The command (and subcommand) typed so far: the leading words that are commands, options skipped.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    case " $(_modelgate_subcommands "$path") " in
      *" $w "*) path="\${path:+$path }$w" ;;
      *) break ;;
    esac
  done
  if [[ -z $path ]]; then
    COMPREPLY=($(compgen -W ${quote([...top, "-h", "--help", "-V", "--version"].join(" "), "sh")} -- "$cur"))
    return
  fi
  case "$path $prev" in
${values.join("\n")}
  esac
  case "$path" in
${words.join("\n")}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  elif [[ -n $args ]]; then
    COMPREPLY=($(compgen -W "$args" -- "$cur"))
  elif [[ -z $(_modelgate_subcommands "$path") ]]; then
    COMPREPLY=()   # a file or folder: -o default completes names
  else
    COMPREPLY=($(compgen -W "$(_modelgate_subcommands "$path")" -- "$cur"))
  fi
}
_modelgate_subcommands() {
  case "$1" in
    "") echo ${quote(top.join(" "), "sh")} ;;
${all.filter((c) => c.subcommands.length > 0).map((c) => `    ${quote(c.path, "sh")}) echo ${quote(c.subcommands.join(" "), "sh")} ;;`).join("\n")}
  esac
}
complete -o default -F _modelgate modelgate
`;
}

function zsh(program: Command): string {
  // zsh runs the bash function through bashcompinit: one implementation, the same answers in both shells.
  return `# modelgate completion for zsh: add to ~/.zshrc
#   source <(modelgate completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bash(program).split("\n").slice(2).join("\n")}`;
}

function fish(program: Command): string {
  const all = specs(program);
  const top = program.commands.map((c) => c.name());
  const lines = [
    "# modelgate completion for fish: save as ~/.config/fish/completions/modelgate.fish",
    "#   modelgate completion fish > ~/.config/fish/completions/modelgate.fish",
    "complete -c modelgate -f -n __fish_use_subcommand -s V -l version -d 'output the version number'",
  ];
  for (const name of top) {
    const c = all.find((x) => x.path === name)!;
    lines.push(`complete -c modelgate -f -n __fish_use_subcommand -a ${quote(name, "fish")} -d ${quote(c.description, "fish")}`);
  }
  for (const c of all) {
    const parts = c.path.split(" ");
    const below = all.filter((x) => x.path.startsWith(`${c.path} `) && x.path.split(" ").length === parts.length + 1).map((x) => x.path.split(" ").pop()!);
    // Inside this command: every word of its path seen, and (for a command with subcommands) none of them yet.
    const seen = parts.map((p) => `__fish_seen_subcommand_from ${p}`).join("; and ");
    const condition = below.length > 0 ? `${seen}; and not __fish_seen_subcommand_from ${below.join(" ")}` : seen;
    for (const sub of below) {
      const s = all.find((x) => x.path === `${c.path} ${sub}`)!;
      lines.push(`complete -c modelgate -f -n ${quote(condition, "fish")} -a ${quote(sub, "fish")} -d ${quote(s.description, "fish")}`);
    }
    if (c.argChoices) for (const a of c.argChoices) lines.push(`complete -c modelgate -f -n ${quote(condition, "fish")} -a ${quote(a, "fish")}`);
    for (const o of c.options) {
      const flags = o.flags.map((f) => (f.startsWith("--") ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`)).join(" ");
      const value = o.choices ? ` -x -a ${quote(o.choices.join(" "), "fish")}` : o.takesValue ? " -r" : "";
      lines.push(`complete -c modelgate -n ${quote(condition, "fish")} ${flags}${value} -d ${quote(o.description, "fish")}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The completion script for `shell`, made from `program` (the whole program: every command). */
export function completionScript(program: Command, shell: CompletionShell): string {
  return shell === "bash" ? bash(program) : shell === "zsh" ? zsh(program) : fish(program);
}
