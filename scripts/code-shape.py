#!/usr/bin/env python3
"""Two measures of how the code is shaped, read from the source text of src/.

  scripts/code-shape.py cycles     module dependency cycles (exits 1 when there is one)
  scripts/code-shape.py longest N  the N longest functions, in lines

A module is a file (`foo.rs` or `foo/mod.rs`). Module A depends on B when A names a path into
B: `crate::…`, `super::…`, `self::…`, or a child module declared in A; `mod` declarations
themselves are not dependencies. A cycle is a strongly connected group of two or more modules.
Test modules inside a file (`#[cfg(test)] mod … { … }`) are left out: they may use anything.
"""

import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def module_path(file: Path) -> tuple[str, ...]:
    parts = list(file.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return tuple(parts)


def strip(text: str) -> str:
    """Removes comments, string and char literals, keeping line breaks."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + len(hashes) + 2)
            end = n if end < 0 else end + 1 + len(hashes)
            out.append('""' + "\n" * text.count("\n", i, end))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]) or re.match(r"'\\u\{[0-9a-fA-F]+\}'", text[i:i + 12]):
            i = text.find("'", i + 2) + 1
            out.append("' '")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def without_test_modules(code: str) -> str:
    """Blanks `#[cfg(test)] mod x { … }` bodies."""
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*(pub\s+)?mod\s+\w+\s*\{", code)
        if not m:
            return code
        depth, j = 1, m.end()
        while depth and j < len(code):
            depth += {"{": 1, "}": -1}.get(code[j], 0)
            j += 1
        code = code[: m.start()] + "\n" * code.count("\n", m.start(), j) + code[j:]


def expand_use(tree: str) -> list[str]:
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    tree = re.sub(r"\s+", "", tree)
    m = re.match(r"^(.*?)\{(.*)\}$", tree)
    if not m:
        return [tree]
    prefix, inner = m.groups()
    items, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    items.append(cur)
    return [p for item in items if item for p in expand_use(prefix + item)]


def dependencies(modules: dict[tuple, str]) -> dict[tuple, set]:
    deps = {}
    for mod, code in modules.items():
        children = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code, re.M))
        paths = []
        for tree in re.findall(r"\buse\s+([^;]+);", code):
            paths += expand_use(tree)
        body = re.sub(r"\buse\s+[^;]+;", "", code)
        paths += re.findall(r"(?<![\w:])((?:crate|super|self)(?:::\w+)+)", body)
        paths += [p for p in re.findall(r"(?<![\w:])(\w+(?:::\w+)+)", body) if p.split("::")[0] in children]
        targets = set()
        for path in paths:
            segs = [s for s in path.split("::") if s and s != "*"]
            if not segs:
                continue
            if segs[0] == "crate":
                base, segs = (), segs[1:]
            elif segs[0] in ("super", "self"):
                base = mod
                while segs and segs[0] in ("super", "self"):
                    base = base[:-1] if segs.pop(0) == "super" else base
            elif segs[0] in children:
                base = mod
            else:
                continue
            target = base
            for seg in segs:
                if target + (seg,) in modules:
                    target = target + (seg,)
                else:
                    break
            if target != mod:
                targets.add(target)
        deps[mod] = targets
    return deps


def strongly_connected(deps: dict[tuple, set]) -> list[list[tuple]]:
    index, low, stack, on, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in deps.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            groups.append(group)

    sys.setrecursionlimit(10000)
    for v in deps:
        if v not in index:
            visit(v)
    return [g for g in groups if len(g) > 1]


def name(mod: tuple) -> str:
    return "crate" + "".join("::" + s for s in mod)


def longest_functions(count: int) -> None:
    found = []
    for file in sorted(SRC.rglob("*.rs")):
        code = strip(file.read_text())
        for m in re.finditer(r"\bfn\s+(\w+)", code):
            brace = code.find("{", m.end())
            semi = code.find(";", m.end())
            if brace < 0 or (0 <= semi < brace):
                continue
            depth, j = 1, brace + 1
            while depth and j < len(code):
                depth += {"{": 1, "}": -1}.get(code[j], 0)
                j += 1
            start = code.count("\n", 0, m.start()) + 1
            lines = code.count("\n", m.start(), j) + 1
            found.append((lines, f"{file.relative_to(SRC.parent)}:{start}", m.group(1)))
    for lines, where, fn in sorted(found, reverse=True)[:count]:
        print(f"{lines:5} lines  {fn}  ({where})")


def main() -> int:
    what = sys.argv[1] if len(sys.argv) > 1 else "cycles"
    if what == "longest":
        longest_functions(int(sys.argv[2]) if len(sys.argv) > 2 else 5)
        return 0
    modules = {module_path(f): without_test_modules(strip(f.read_text())) for f in SRC.rglob("*.rs")}
    deps = dependencies(modules)
    groups = strongly_connected(deps)
    edges = sum(len(t) for t in deps.values())
    print(f"{len(modules)} modules, {edges} dependencies, {len(groups)} cycles")
    for group in groups:
        members = set(group)
        print("cycle: " + ", ".join(sorted(name(m) for m in group)))
        for m in sorted(group):
            inside = sorted(name(t) for t in deps[m] if t in members)
            print(f"  {name(m)} -> {', '.join(inside)}")
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main())
