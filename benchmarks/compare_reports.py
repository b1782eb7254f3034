"""Compare two report folders' HTML, ignoring run ids and generation times: that a change of layout or
code left every document the same (issue 16).

    python -m benchmarks.compare_reports BEFORE/reports/2025 AFTER/reports/2025
"""
import json, re, sys, difflib
from pathlib import Path
a, b = Path(sys.argv[1]), Path(sys.argv[2])
def norm(p: Path, folder: Path) -> str:
    t = p.read_text("utf-8")
    m = json.loads((folder / "manifest.json").read_text())
    t = t.replace(m["run_id"], "RUNID")
    t = re.sub(r"\d{4}-\d{2}-\d{2}T\d{6}-[0-9a-f]{6}", "RUNID", t)
    t = re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?", "TIME", t)
    return t
fa = sorted(p.relative_to(a) for p in a.rglob("*.html"))
fb = sorted(p.relative_to(b) for p in b.rglob("*.html"))
print("files", len(fa), len(fb), "same set" if fa == fb else f"DIFFERENT SETS {set(fa)^set(fb)}")
diff = 0
for rel in fa:
    if rel in fb and norm(a / rel, a) != norm(b / rel, b):
        diff += 1
        if diff <= 3:
            for line in list(difflib.unified_diff(norm(a/rel,a).splitlines(), norm(b/rel,b).splitlines(), lineterm="", n=0))[:12]:
                print(rel, line[:300])
print("differing", diff)
