#!/usr/bin/env python3
"""The README's result tables are generated, not typed: every table whose
header starts with `| transport |`, `| run |` or `| size |` must appear,
header and rows in order, in one of the markdown files under bench/results
(written by `uipc-bench report --markdown` or runs_table.py from the JSON
beside them).  A table edited by hand, pasted under the wrong heading, or
left stale after the JSON was re-run fails here.

    check_readme_results.py README.md bench/results
"""
import pathlib
import sys

GENERATED = ("| transport |", "| run |", "| size |")


def tables(text):
    """Each markdown table as its list of lines, with its first line number."""
    out, cur, start = [], [], 0
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("|"):
            if not cur:
                start = n
            cur.append(line.rstrip())
        elif cur:
            out.append((start, cur))
            cur = []
    if cur:
        out.append((start, cur))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    readme, results = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    sources = {}
    for md in sorted(results.rglob("*.md")):
        sources[md] = ["\n".join(t) for _, t in tables(md.read_text())]
    checked = bad = 0
    for line, t in tables(readme.read_text()):
        if not t[0].startswith(GENERATED):
            continue
        checked += 1
        block = "\n".join(t)
        if not any(block == s for blocks in sources.values() for s in blocks):
            bad += 1
            print("%s:%d: table (%s) is not one of the tables in %s/**/*.md"
                  % (readme, line, t[0][:60], results))
    if not checked:
        print("no generated result tables found in %s" % readme)
        return 1
    print("%d README result tables checked, %d not generated" % (checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
