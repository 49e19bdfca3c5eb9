#!/usr/bin/env python3
"""froms.py DOCKERFILE: the base images a Dockerfile names, as the testbed store spells them.

Prints "FINAL <ref>" (the base of the last stage, followed through stage names) then "EXT <ref>" for every
external image; refs normalized to docker.io/library/NAME:TAG (":latest" added), "scratch" and digests as is,
ARG defaults substituted. Used by scripts/e2e.sh and scripts/corpus-real.sh.
"""
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read().replace("\r\n", "\n")
text = re.sub(r"\\\n", " ", text)
args, stages, ext, final = {}, {}, [], None
def norm(ref):
    if ref == "scratch": return ref
    if "@" in ref: return ref  # by digest: never in the store
    first, _, rest = ref.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        ref = "docker.io/" + (ref if rest else "library/" + ref)
    elif first in ("docker.io", "index.docker.io") and "/" not in rest:
        ref = "docker.io/library/" + rest  # docker.io/golang is docker.io/library/golang
    last = ref.rsplit("/", 1)[1]
    return ref if ":" in last else ref + ":latest"
def subst(s, env):
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), ""), s)
for line in text.split("\n"):
    words = line.strip().split()
    if not words or words[0].startswith("#"): continue
    kw = words[0].upper()
    if kw == "ARG" and not stages and len(words) > 1:
        k, _, v = words[1].partition("=")
        args[k] = v.strip('"\'')
    elif kw == "FROM":
        ws = [w for w in words[1:] if not w.startswith("--")]
        if not ws: continue
        img = subst(ws[0], args)
        name = ws[2].lower() if len(ws) >= 3 and ws[1].lower() == "as" else None
        base = stages.get(img.lower()) or norm(img)
        if img.lower() not in stages and base not in ext: ext.append(base)
        if name: stages[name] = base
        final = base
print("FINAL", final or "")
for e in ext: print("EXT", e)
