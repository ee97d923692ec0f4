#!/usr/bin/env python3
"""Write the first ```c block of README.md's "Example" section to a file,
so the example a reader copies is the one the test suite builds and runs."""
import re
import sys

readme, out = sys.argv[1], sys.argv[2]
text = open(readme, encoding="utf-8").read()
section = text.split("\n## Example", 1)
if len(section) != 2:
    sys.exit("README.md has no '## Example' section")
m = re.search(r"```c\n(.*?)```", section[1], re.S)
if not m:
    sys.exit("README.md's Example section has no ```c block")
open(out, "w", encoding="utf-8").write(m.group(1))
