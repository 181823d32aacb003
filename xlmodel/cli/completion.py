"""``xlmodel komplettering``: tab completion scripts for bash, zsh and fish, written from the parser itself."""

from __future__ import annotations

import argparse

from xlmodel import __version__


# =========================================================================== komplettering


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[list[str], str, argparse.ArgumentParser]]:
    """(names incl. aliases, help, parser) for each subcommand, in definition order."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    by_parser: dict[int, tuple[list[str], str, argparse.ArgumentParser]] = {}
    for name, p in sub.choices.items():
        entry = by_parser.setdefault(id(p), ([], "", p))
        entry[0].append(name)
    out = []
    for names, _, p in by_parser.values():
        out.append((names, helps.get(names[0], ""), p))
    return out


def _options(p: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in p._actions if a.option_strings]


def _positionals(p: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in p._actions if not a.option_strings]


def _takes_value(a: argparse.Action) -> bool:
    return a.nargs != 0


def _kind(a: argparse.Action) -> str:
    return getattr(a, "complete", "none")


def bash_completion(parser: argparse.ArgumentParser) -> str:
    """A bash completion function generated from the parser (subcommands, their flags,
    choices, and workbook/directory/file arguments)."""
    subs = _subcommands(parser)
    top = " ".join([n for names, _, _ in subs for n in names] + [o for a in _options(parser) for o in a.option_strings])
    cases = []
    for names, _, p in subs:
        value_cases = []
        for a in _options(p):
            if not _takes_value(a):
                continue
            pattern = "|".join(a.option_strings)
            if a.choices:
                body = f'_xlmodel_words "{" ".join(map(str, a.choices))}"'
            elif _kind(a) in ("file", "dir", "workbook"):
                body = f"_xlmodel_paths {_kind(a)}"
            else:
                body = ":"
            value_cases.append(f"                {pattern}) {body}; return 0 ;;")
        flags = " ".join(o for a in _options(p) for o in a.option_strings)
        pos = _positionals(p)
        if pos and pos[0].choices:
            positional = f'_xlmodel_words "{" ".join(map(str, pos[0].choices))}"'
        elif pos:
            positional = f"_xlmodel_paths {_kind(pos[0])}"
        else:
            positional = ":"
        value_block = ""
        if value_cases:
            value_block = '            case "$prev" in\n' + "\n".join(value_cases) + "\n            esac\n"
        cases.append(
            f"        {'|'.join(names)})\n"
            f"{value_block}"
            f'            if [[ "$cur" == -* ]]; then _xlmodel_words "{flags}"; else {positional}; fi\n'
            f"            ;;"
        )
    case_block = "\n".join(cases)
    return f"""# bash-komplettering för xlmodel {__version__} (genererad av 'xlmodel komplettering bash').
# Installera: xlmodel komplettering bash > ~/.local/share/bash-completion/completions/xlmodel

_xlmodel_words() {{
    local IFS=$' \\t\\n'
    COMPREPLY=( $(compgen -W "$1" -- "$cur") )
}}

_xlmodel_paths() {{
    # $1: workbook (.xlsx/.xlsm and directories), dir, or file
    local f
    compopt -o filenames 2>/dev/null
    COMPREPLY=()
    while IFS= read -r f; do
        if [[ -d "$f" ]]; then
            COMPREPLY+=( "$f" )
        elif [[ "$1" == file ]]; then
            COMPREPLY+=( "$f" )
        elif [[ "$1" == workbook ]]; then
            case "$f" in *.[xX][lL][sS][xXmM]) COMPREPLY+=( "$f" ) ;; esac
        fi
    done < <(compgen -f -- "$cur")
}}

_xlmodel() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="" sub="" i w
    (( COMP_CWORD > 0 )) && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    COMPREPLY=()
    for (( i = 1; i < COMP_CWORD; i++ )); do
        w="${{COMP_WORDS[i]}}"
        case "$w" in -*) ;; *) sub="$w"; break ;; esac
    done
    case "$sub" in
        "")
            _xlmodel_words "{top}"
            ;;
{case_block}
    esac
    return 0
}}

complete -F _xlmodel xlmodel
"""


def _zsh_quote(text: str) -> str:
    """Text for a zsh _arguments/_describe description inside single quotes."""
    for ch in "[]:'\\`$":
        text = text.replace(ch, " " if ch in "[]:" else "")
    return " ".join(text.split())


def zsh_completion(parser: argparse.ArgumentParser) -> str:
    """A native zsh completion (_arguments/_describe), usable from fpath or by sourcing."""
    subs = _subcommands(parser)
    describe = "\n".join(f"        '{n}:{_zsh_quote(h)}'" for names, h, _ in subs for n in names)
    cases = []
    for names, _, p in subs:
        specs = []
        for a in _options(p):
            desc = _zsh_quote(a.help or "")
            opts = a.option_strings
            excl = f"({' '.join(opts)})" if len(opts) > 1 else ""
            names_part = f"{{{','.join(opts)}}}" if len(opts) > 1 else opts[0]
            if a.option_strings == ["-h", "--help"]:
                specs.append(f"'(- *)'{{-h,--help}}'[{desc}]'")
                continue
            if not _takes_value(a):
                specs.append(f"'{excl}'{names_part}'[{desc}]'" if excl else f"'{opts[0]}[{desc}]'")
                continue
            if a.choices:
                action = f"({' '.join(map(str, a.choices))})"
            elif _kind(a) == "dir":
                action = "_files -/"
            elif _kind(a) in ("file", "workbook"):
                action = "_files"
            else:
                action = " "
            value = f":{_zsh_quote(a.metavar or a.dest)}:{action}"
            if excl:
                specs.append(f"'{excl}'{names_part}'[{desc}]{value}'")
            else:
                specs.append(f"'{opts[0]}[{desc}]{value}'")
        for a in _positionals(p):
            label = _zsh_quote(a.metavar or a.dest)
            if a.choices:
                action = f"({' '.join(map(str, a.choices))})"
            elif _kind(a) == "dir":
                action = "_files -/"
            elif _kind(a) == "workbook":
                action = "_files -g '*.(xlsx|xlsm|XLSX|XLSM)(-.)'"
            elif _kind(a) == "none":
                action = " "  # free text (a cell reference): nothing to complete
            else:
                action = "_files"
            prefix = "*" if a.nargs in ("+", "*") else ""
            # The action holds single quotes (the glob), so this spec is double-quoted.
            specs.append(f"\"{prefix}:{label}:{action}\"")
        body = " \\\n                ".join(specs)
        cases.append(f"            {'|'.join(names)})\n                _arguments -s {body}\n                ;;")
    case_block = "\n".join(cases)
    return f"""#compdef xlmodel
# zsh-komplettering för xlmodel {__version__} (genererad av 'xlmodel komplettering zsh').
# Installera: xlmodel komplettering zsh > "${{fpath[1]}}/_xlmodel"; starta om zsh (compinit).
# Eller för stunden: autoload -Uz compinit && compinit; source <(xlmodel komplettering zsh)

_xlmodel() {{
    local curcontext="$curcontext" state line
    typeset -A opt_args
    local -a commands
    commands=(
{describe}
    )
    _arguments -C \\
        '(- *)'{{-h,--help}}'[visa hjälpen]' \\
        '(- *)--version[visa versionen]' \\
        '1: :->command' \\
        '*:: :->args'
    case $state in
        command)
            _describe -t commands 'kommando' commands
            ;;
        args)
            case $line[1] in
{case_block}
            esac
            ;;
    esac
}}

if [[ "$funcstack[1]" == "_xlmodel" ]]; then
    _xlmodel "$@"
else
    compdef _xlmodel xlmodel
fi
"""


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish_completion(parser: argparse.ArgumentParser) -> str:
    subs = _subcommands(parser)
    all_names = " ".join(n for names, _, _ in subs for n in names)
    lines = [
        f"# fish-komplettering för xlmodel {__version__} (genererad av 'xlmodel komplettering fish').",
        "# Installera: xlmodel komplettering fish > ~/.config/fish/completions/xlmodel.fish",
        "complete -c xlmodel -f",
        "complete -c xlmodel -n '__fish_use_subcommand' -s h -l help -d 'visa hjälpen'",
        "complete -c xlmodel -n '__fish_use_subcommand' -l version -d 'visa versionen'",
    ]
    for names, h, p in subs:
        for n in names:
            lines.append(f"complete -c xlmodel -n 'not __fish_seen_subcommand_from {all_names}' -a {n} -d {_fish_quote(h)}")
    for names, _, p in subs:
        cond = f"-n '__fish_seen_subcommand_from {' '.join(names)}'"
        for a in _options(p):
            parts = [f"complete -c xlmodel {cond}"]
            for o in a.option_strings:
                parts.append(f"-s {o[1:]}" if not o.startswith("--") else f"-l {o[2:]}")
            if _takes_value(a):
                if a.choices:
                    parts.append(f"-x -a {_fish_quote(' '.join(map(str, a.choices)))}")
                elif _kind(a) == "dir":
                    parts.append("-x -a '(__fish_complete_directories)'")
                elif _kind(a) in ("file", "workbook"):
                    parts.append("-r -F")
                else:
                    parts.append("-x")
            parts.append(f"-d {_fish_quote(a.help or '')}")
            lines.append(" ".join(parts))
        for a in _positionals(p):
            if a.choices:
                lines.append(f"complete -c xlmodel {cond} -a {_fish_quote(' '.join(map(str, a.choices)))}")
            elif _kind(a) == "dir":
                lines.append(f"complete -c xlmodel {cond} -a '(__fish_complete_directories)'")
            elif _kind(a) == "workbook":
                lines.append(
                    f"complete -c xlmodel {cond} -a '(__fish_complete_suffix .xlsx; __fish_complete_suffix .xlsm)'"
                )
            elif _kind(a) == "none":
                continue  # free text (a cell reference): nothing to complete
            else:
                lines.append(f"complete -c xlmodel {cond} -F")
    return "\n".join(lines) + "\n"
