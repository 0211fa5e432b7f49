# bash completion for sonde and sonde-run.
# Completes subcommands, options, stdlib tool names after `sonde run`, and
# the options a tool declares (its `//!` header lines).

_sonde_stdlib_dirs() {
  local exe dirs=()
  [[ -n "$SONDE_STDLIB_DIR" ]] && dirs+=("$SONDE_STDLIB_DIR")
  exe=$(command -v sonde 2>/dev/null) && exe=$(readlink -f "$exe") && dirs+=("${exe%/bin/*}/share/sonde/stdlib")
  dirs+=(/usr/share/sonde/stdlib)
  printf '%s\n' "${dirs[@]}"
}

_sonde_tools() {
  local d f
  while read -r d; do
    for f in "$d"/*.sonde; do
      [[ -e "$f" ]] && basename "$f" .sonde
    done
  done < <(_sonde_stdlib_dirs) | sort -u
}

_sonde_tool_options() {
  local d
  while read -r d; do
    if [[ -f "$d/$1.sonde" ]]; then
      sed -n 's/^\/\/! *\(\$[0-9]* *\)*\(-[-A-Za-z]*\).*/\2/p' "$d/$1.sonde"
      return
    fi
  done < <(_sonde_stdlib_dirs)
}

_sonde() {
  # Plain COMP_WORDS, so it works without the bash-completion package.
  local cword=$COMP_CWORD cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
  local -a words=("${COMP_WORDS[@]}")
  local opts="-e -p -c -o -f -q -v -l -lv -d --dump --check --strlen --target --emit -h --help --version"
  case "$prev" in
    -p) COMPREPLY=($(compgen -W "$(ls /proc | grep -E '^[0-9]+$')" -- "$cur")); return ;;
    -f) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    -d|--dump) COMPREPLY=($(compgen -W "ast ir asm manifest" -- "$cur")); return ;;
    --emit) COMPREPLY=($(compgen -W "llvm asm" -- "$cur")); return ;;
    -o|-c|-e|--strlen|--target) return ;;
  esac
  if [[ $cword -eq 1 && "$cur" != -* ]]; then
    COMPREPLY=($(compgen -W "run build check" -- "$cur") $(compgen -f -X '!*.sonde' -- "$cur"))
    return
  fi
  if [[ "${words[1]}" == run ]]; then
    local i tool=""
    for ((i = 2; i < cword; i++)); do
      [[ "${words[i]}" != -* ]] && { tool="${words[i]}"; break; }
    done
    if [[ -z "$tool" && "$cur" != -* ]]; then
      COMPREPLY=($(compgen -W "$(_sonde_tools)" -- "$cur") $(compgen -f -- "$cur"))
      return
    fi
    if [[ -n "$tool" && "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W "--help $(_sonde_tool_options "$tool") -p -c -o -f -q -v" -- "$cur"))
      return
    fi
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _sonde sonde

_sonde_run() {
  # Plain COMP_WORDS, so it works without the bash-completion package.
  local cword=$COMP_CWORD cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
  local -a words=("${COMP_WORDS[@]}")
  case "$prev" in
    -p) COMPREPLY=($(compgen -W "$(ls /proc | grep -E '^[0-9]+$')" -- "$cur")); return ;;
    -f) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "-p -c -o -f -q -v -l --target -h --help --version" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -X '!*.o' -- "$cur"))
  fi
}
complete -F _sonde_run sonde-run
