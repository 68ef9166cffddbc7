/**
 * The shell side of `regatta completion SHELL`. Each script is a thin caller: on TAB it runs
 * `regatta __complete -- WORD... CURRENT` and offers what that prints, one candidate a line. The candidates come from
 * the command table of the regatta that answers (completion-candidates.ts), so a new command or flag completes
 * without a new script, and so do tags and repositories (from the registry, with a short deadline). With nothing to
 * offer (a file argument, `-o FILE`), each shell falls back to completing file names.
 */

/** The shells `regatta completion` writes a script for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** A shell function name for the program: `regatta` → `_regatta`. */
function functionName(program: string): string {
  return `_${program.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/**
 * bash: the words come from COMP_LINE up to the cursor (bash splits COMP_WORDS at `:` and `=`, which would cut
 * `host:5000/repo:tag` in pieces), or COMP_WORDS/COMP_CWORD when COMP_LINE is not set. Candidates lose what bash
 * already counts as typed up to the last word break (`:` or `=`, when in COMP_WORDBREAKS) of the word, since bash
 * replaces only the part after it: `--sort=s` completes to `semver`, not `--sort=semver` (bash-completion's
 * `__ltrim_colon_completions` does this for `:`; its `_get_comp_words_by_ref -n =:` covers `=`).
 */
function bash(program: string): string {
  const fn = functionName(program);
  return `# bash completion for ${program}. Load it with:  source <(${program} completion bash)
${fn}() {
  local line cur
  local -a words
  if [[ -n \${COMP_LINE-} ]]; then
    line=\${COMP_LINE:0:\${COMP_POINT:-\${#COMP_LINE}}}
    read -ra words <<< "$line"
    [[ $line == *[[:space:]] ]] && words+=("")
    words=("\${words[@]:1}")
  else
    words=("\${COMP_WORDS[@]:1:COMP_CWORD}")
  fi
  cur=\${words[\${#words[@]}-1]}
  local IFS=$'\\n'
  COMPREPLY=($(${program} __complete -- "\${words[@]}" 2>/dev/null))
  local breaks=\${COMP_WORDBREAKS-:=} typed=$cur
  [[ $breaks == *=* ]] || typed=\${typed//=/_}
  [[ $breaks == *:* ]] || typed=\${typed//:/_}
  if [[ $typed == *[:=]* ]]; then
    local rest=\${typed##*[:=]}
    local broken=\${cur:0:\${#cur}-\${#rest}}
    COMPREPLY=("\${COMPREPLY[@]#"$broken"}")
  fi
}
complete -o default -F ${fn} ${program}
`;
}

/** zsh: `words[2,CURRENT]` is the command line after the program, the word under the cursor last. */
function zsh(program: string): string {
  const fn = functionName(program);
  return `#compdef ${program}
# zsh completion for ${program}. Load it with:  source <(${program} completion zsh)
# (or save it as _${program} in a directory of $fpath)
${fn}() {
  local -a candidates
  candidates=("\${(@f)$(${program} __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  if (( \${#candidates} )); then
    compadd -Q -- "\${candidates[@]}"
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == "${fn}" ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${program}
fi
`;
}

/** fish: the tokens before the cursor and the one under it. */
function fish(program: string): string {
  const fn = `__${program.replace(/[^A-Za-z0-9_]/g, "_")}_complete`;
  return `# fish completion for ${program}. Load it with:  ${program} completion fish | source
# (or save it as ~/.config/fish/completions/${program}.fish)
function ${fn}
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l candidates (${program} __complete -- $tokens[2..-1] "$current" 2>/dev/null)
    if test (count $candidates) -gt 0
        printf '%s\\n' $candidates
    else
        __fish_complete_path "$current"
    end
end
complete -c ${program} -f -a '(${fn})'
`;
}

/** The completion script of `shell` for the program named `program`. */
export function completionScript(shell: Shell, program = "regatta"): string {
  return { bash, zsh, fish }[shell](program);
}
