#!/usr/bin/env python3
"""Writes the per-indicator tables of docs/fidelity.md from rules/qof-2019-20.qof.

Usage: python3 docs/fidelity_tables.py > /tmp/tables.md, then paste the output over the part of
docs/fidelity.md between the markers `<!-- tables begin -->` and `<!-- tables end -->`
(`python3 docs/fidelity_tables.py --write` does it in place). `tests/engine/docs.rs` checks that every
line the tables quote is still a line of the rule file, and that every indicator has a table,
so the page cannot drift from the rules without a failing test.

Each table lists the QOF business-rule cascade in its order (register, cohort, achievement,
exclusions, then each personalised care adjustment in the order the rules reject patients)
against the line of the rule file that encodes the step.
"""

import re
import sys

RULES = "rules/qof-2019-20.qof"


def blocks(text):
    """(kind, name, title, [lines]) for every top-level block (a named adjustment set's title
    is empty)."""
    out = []
    cur = None
    depth = 0
    for raw in text.splitlines():
        line = raw.rstrip()
        if cur is None:
            m = re.match(r'^(network )?(indicator|register) (\w+) "([^"]*)"', line)
            a = re.match(r"^(adjustments) (\w+) \{", line)
            if m or a:
                cur = (m.group(2), m.group(3), m.group(4), []) if m else (a.group(1), a.group(2), "", [])
                depth = line.count("{") - line.count("}")
                if depth <= 0:
                    out.append(cur)
                    cur = None
            continue
        cur[3].append(line)
        depth += line.count("{") - line.count("}")
        if depth <= 0:
            out.append(cur)
            cur = None
    return out


def code(line):
    """A rule line without its trailing comment, trimmed."""
    return re.sub(r"\s*//.*$", "", line).strip()


def comment(line):
    m = re.search(r"//\s*(.*)$", line)
    return m.group(1).strip() if m else ""


STEP = [
    ("patients aged", "register: age"),
    ("where", "register: condition"),
    ("list ", "register: patient list (prevalence)"),
    ("denominator", "cohort (denominator)"),
    ("exclude when", "exclusion (not a PCA)"),
    ("achieved when", "achievement (numerator; checked before any PCA)"),
    ("unsuitable", "PCA: unsuitable"),
    ("chose not to", "PCA: chose not to (informed dissent)"),
    ("no response", "PCA: no response to invitations"),
    ("service unavailable", "PCA: service unavailable"),
    ("new patient", "PCA: newly diagnosed or newly registered"),
    ("stratum", "payment stratum"),
    ("thresholds", "thresholds"),
    ("register ", "register indicator"),
    ("attested", "attested (practice declaration)"),
]


def step(c):
    for prefix, name in STEP:
        if c.startswith(prefix):
            return name
    m = re.match(r"(\w+)( \"[^\"]*\")? when", c)
    if m:
        return f"PCA: {m.group(1)} (custom)"
    return None


def defines(text):
    """Name -> the code lines of each `define` (its first line and continuations)."""
    out = {}
    cur = None
    for raw in text.splitlines():
        c = code(raw)
        m = re.match(r"define (\w+)", c)
        if m:
            cur = m.group(1)
            out[cur] = [c]
        elif cur is not None and raw.startswith((" ", "\t")) and c:
            out[cur].append(c)
        else:
            cur = None
    return out


DEFINES = {}
SETS = {}  # named adjustment sets: name -> their lines


def table(lines):
    rows = []  # [step, [code lines], note]
    last = None
    expanded = []
    for line in lines:
        m = re.fullmatch(r"adjustments (\w+)", code(line))
        # an indicator's `adjustments NAME` is the named set's lines
        expanded.extend(SETS[m.group(1)] if m and m.group(1) in SETS else [line])
    for line in expanded:
        c = code(line)
        s = step(c)
        if s is None:
            # A condition continued on the next line belongs to the step above it.
            if last is not None and c and not c.startswith(("}", "adjustments", "group")):
                last[1].append(c)
                continue
            last = None
            continue
        if s == "thresholds":
            last = None
            continue
        last = [s, [c], comment(line)]
        rows.append(last)
    out = []
    for s, cs, note in rows:
        # A definition the step uses is quoted after it.
        used = [w for w in re.findall(r"\b[a-z]\w*\b", " ".join(cs)) if w in DEFINES]
        for w in dict.fromkeys(used):
            cs = cs + DEFINES[w]
        cells = " ".join("`" + c.replace("|", "\\|") + "`" for c in cs)
        out.append(f"| {s} | {cells} | {note.replace('|', '/')} |")
    return out


def main():
    text = open(RULES, encoding="utf-8").read()
    DEFINES.update(defines(text))
    bl = blocks(text)
    registers = {name: (title, lines) for kind, name, title, lines in bl if kind == "register"}
    SETS.update({name: lines for kind, name, _, lines in bl if kind == "adjustments"})
    out = []
    for kind, name, title, lines in bl:
        if kind != "indicator":
            continue
        out.append(f"### {name}\n")
        out.append(f"{title}\n")
        out.append("| business-rule step | encoded in `rules/qof-2019-20.qof` | source or note |")
        out.append("|---|---|---|")
        reg = None
        for line in lines:
            c = code(line)
            m = re.match(r"(?:denominator|register) (\w+)", c)
            if m and m.group(1) in registers:
                reg = m.group(1)
                break
        if reg:
            out.extend(table(registers[reg][1]))
        out.extend(table(lines))
        out.append("")
    body = "\n".join(out)
    if "--write" in sys.argv:
        path = "docs/fidelity.md"
        doc = open(path, encoding="utf-8").read()
        a = doc.index("<!-- tables begin -->") + len("<!-- tables begin -->")
        b = doc.index("<!-- tables end -->")
        open(path, "w", encoding="utf-8").write(doc[:a] + "\n\n" + body + "\n" + doc[b:])
    else:
        print(body)


if __name__ == "__main__":
    main()
