#!/usr/bin/python3
"""Ward's Kconfig front end (Debian's python3-kconfiglib).

Subcommands:
  generate   merge the fragments over the Kconfig defaults and write .config, ward/config.hpp
             (every option as a constexpr value), ward/autoconf.h (C macros) and config.cmake.
             With WARD_PRODUCTION=y a weakened security option is an error.
  hardening  print every security-relevant option whose value is weaker than recommended.
  menuconfig interactive editor over a build's configuration; the result is kept as a fragment.

A security-relevant option carries a line "Hardening: <value>" in its help text. <value> is y or n
for booleans, or >=N / <=N / a literal for numbers and strings. "Hardening: <value> (production)"
is enforced by production builds only: a safeguard that development builds may leave off (the
hardening report mentions it separately).

An option whose help text carries "Report: <group>" is listed with its value under <group> in the
hardening report whatever its value (e.g. the TLS policy: minimum version, verification, hostname
check), marked when it is weaker than recommended.
"""
import argparse
import hashlib
import os
import re
import sys

import kconfiglib

HARDENING_RE = re.compile(r"^\s*Hardening:\s*(\S+)(\s+\(production\))?\s*$", re.MULTILINE)
REPORT_RE = re.compile(r"^\s*Report:\s*(.+?)\s*$", re.MULTILINE)


class ConfigError(Exception):
    pass


def load(kconfig_file, board, fragments):
    os.environ.setdefault("srctree", os.path.dirname(os.path.abspath(kconfig_file)))
    os.environ["WARD_BOARD"] = board
    kconf = kconfiglib.Kconfig(kconfig_file, warn_to_stderr=False, suppress_traceback=True)
    kconf.warn_assign_undef = True
    kconf.warn_assign_override = False
    kconf.warn_assign_redun = False
    problems = list(kconf.warnings)
    for fragment in fragments:
        kconf.warnings.clear()
        kconf.load_config(fragment, replace=False)
        problems += [f"{fragment}: {w}" for w in kconf.warnings]
    # A value a fragment asked for but the dependencies refused is an error, not a silent default.
    for fragment in fragments:
        for name, wanted in requested_values(fragment):
            sym = kconf.syms.get(name)
            if sym is not None and sym.str_value != wanted:
                problems.append(
                    f"{fragment}: CONFIG_{name}={wanted} was requested but the result is "
                    f"'{sym.str_value}' (check its dependencies: {kconfiglib.expr_str(sym.direct_dep)})")
    if problems:
        raise ConfigError("\n".join(problems))
    return kconf


def requested_values(fragment):
    with open(fragment, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            m = re.match(r"^CONFIG_(\w+)=(.*)$", line)
            if m:
                yield m.group(1), m.group(2).strip('"')
                continue
            m = re.match(r"^# CONFIG_(\w+) is not set$", line)
            if m:
                yield m.group(1), "n"


def hardening_rule(sym):
    for node in sym.nodes:
        if node.help:
            m = HARDENING_RE.search(node.help)
            if m:
                return m.group(1)
    return None


def report_group(sym):
    for node in sym.nodes:
        if node.help:
            m = REPORT_RE.search(node.help)
            if m:
                return m.group(1)
    return None


def production_only(sym):
    return any(node.help and (m := HARDENING_RE.search(node.help)) and m.group(2) for node in sym.nodes)


def is_weaker(sym, rule):
    value = sym.str_value
    if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
        return value != rule
    if rule.startswith(">="):
        return int(value, 0) < int(rule[2:], 0)
    if rule.startswith("<="):
        return int(value, 0) > int(rule[2:], 0)
    return value != rule


def weakened_options(kconf, production=False):
    """(symbol, current value, recommended) for each security option weaker than recommended;
    with production=True also the options only a production build enforces."""
    found = []
    for sym in kconf.unique_defined_syms:
        rule = hardening_rule(sym)
        if rule is not None and (production or not production_only(sym)) and is_weaker(sym, rule):
            found.append((sym, sym.str_value or "n", rule))
    return found


def cpp_value(sym):
    if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
        return "bool", "true" if sym.str_value == "y" else "false"
    if sym.orig_type == kconfiglib.INT:
        return "long long", sym.str_value or "0"
    if sym.orig_type == kconfiglib.HEX:
        return "unsigned long long", sym.str_value or "0x0"
    return "std::string_view", '"' + kconfiglib.escape(sym.str_value) + '"'


def snake(name):
    return name[len("WARD_"):].lower() if name.startswith("WARD_") else name.lower()


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def generate(args):
    kconf = load(args.kconfig, args.board, args.fragment)
    weak = weakened_options(kconf, production=True)
    if kconf.syms["WARD_PRODUCTION"].str_value == "y" and weak:
        lines = [f"  CONFIG_{s.name}={v}  (recommended: {r})" for s, v, r in weak]
        raise ConfigError(
            "CONFIG_WARD_PRODUCTION=y, but these security options are weaker than recommended:\n"
            + "\n".join(lines)
            + "\nRestore the recommended values, or build without CONFIG_WARD_PRODUCTION.")

    out = args.out_dir
    os.makedirs(out, exist_ok=True)
    kconf.write_config(os.path.join(out, ".config.tmp"), header="# Generated by Ward; do not edit.\n")
    with open(os.path.join(out, ".config.tmp"), encoding="utf-8") as f:
        config_text = f.read()
    os.remove(os.path.join(out, ".config.tmp"))
    write_if_changed(os.path.join(out, ".config"), config_text)

    syms = [s for s in kconf.unique_defined_syms if s.name.startswith("WARD_")]
    hpp = ["// Generated by Ward's Kconfig step from the image's configuration; do not edit.",
           "#pragma once", "#include <string_view>", "", "namespace ward::config {"]
    for s in syms:
        ctype, value = cpp_value(s)
        hpp.append(f"inline constexpr {ctype} {snake(s.name)} = {value};")
    hpp += ["}  // namespace ward::config", ""]
    write_if_changed(os.path.join(out, "include", "ward", "config.hpp"), "\n".join(hpp))

    h = ["/* Generated by Ward's Kconfig step; do not edit. */", "#pragma once"]
    for s in syms:
        if s.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
            if s.str_value == "y":
                h.append(f"#define CONFIG_{s.name} 1")
        elif s.orig_type == kconfiglib.STRING:
            h.append(f'#define CONFIG_{s.name} "{kconfiglib.escape(s.str_value)}"')
        elif s.str_value != "":
            # A number whose dependencies are not met has no value: it stays undefined (as in
            # Linux and Zephyr), so `#if defined(CONFIG_X)` means "X is in this configuration".
            h.append(f"#define CONFIG_{s.name} {s.str_value}")
    write_if_changed(os.path.join(out, "include", "ward", "autoconf.h"), "\n".join(h) + "\n")

    cm = ["# Generated by Ward's Kconfig step; do not edit."]
    for s in syms:
        cm.append(f'set(CONFIG_{s.name} "{s.str_value}")')
    digest = hashlib.sha256(config_text.encode()).hexdigest()[:12]
    cm.append(f'set(WARD_CONFIG_HASH "{digest}")')
    write_if_changed(os.path.join(out, "config.cmake"), "\n".join(cm) + "\n")
    return 0


def hardening(args):
    kconf = load(args.kconfig, args.board, args.fragment)
    weak = weakened_options(kconf)
    rules = [(s, hardening_rule(s)) for s in kconf.unique_defined_syms if hardening_rule(s)]
    print(f"Ward hardening report ({len(rules)} security options checked)")
    production_weak = [w for w in weakened_options(kconf, production=True) if w not in weak]
    all_weak = {s.name for s, _, _ in weak + production_weak}
    groups = {}
    for s in kconf.unique_defined_syms:
        group = report_group(s)
        if group is not None:
            groups.setdefault(group, []).append(s)
    for group, syms in groups.items():
        print(f"{group} settings:")
        for s in syms:
            note = f"  WEAK (recommended: {hardening_rule(s)})" if s.name in all_weak else ""
            print(f"  CONFIG_{s.name:31} {s.str_value or 'n'}{note}")
    for s, v, r in production_weak:
        print(f"Production builds require CONFIG_{s.name}={r} (now {v}).")
    if not weak:
        print("All security options are at their recommended values.")
        return 0
    print(f"{'option':40} {'current':10} recommended")
    for s, v, r in weak:
        print(f"CONFIG_{s.name:33} {v:10} {r}")
    print(f"{len(weak)} option(s) weaker than recommended"
          + (" (a production build refuses this configuration)." if weak else "."))
    return 0


def menuconfig(args):
    import menuconfig as mc  # shipped by python3-kconfiglib
    kconf = load(args.kconfig, args.board, args.fragment)
    config_path = os.path.join(args.out_dir, ".config")
    os.makedirs(args.out_dir, exist_ok=True)
    kconf.write_config(config_path)
    os.environ["KCONFIG_CONFIG"] = config_path
    mc.menuconfig(kconf)
    # Keep what the user changed as a fragment in the build directory (merged last by `generate`).
    kconf.load_config(config_path)
    kconf.write_min_config(args.user_fragment)
    print(f"Saved your changes in {args.user_fragment}; rebuild to apply them.")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["generate", "hardening", "menuconfig"])
    p.add_argument("--kconfig", required=True)
    p.add_argument("--board", required=True)
    p.add_argument("--fragment", action="append", default=[], help="config fragment, merged in order")
    p.add_argument("--out-dir")
    p.add_argument("--user-fragment", help="menuconfig: where to keep the changes")
    args = p.parse_args()
    args.fragment = [f for f in args.fragment if f and os.path.exists(f)]
    try:
        return {"generate": generate, "hardening": hardening, "menuconfig": menuconfig}[args.command](args)
    except ConfigError as e:
        print(f"ward config: error: {e}", file=sys.stderr)
        return 1
    except kconfiglib.KconfigError as e:
        print(f"ward config: Kconfig error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
