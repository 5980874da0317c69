#!/usr/bin/env python3
"""Packs Proxmox's permission and firewall oracle data (../shared/oracle) into one gzip'd JSON-lines
file per engine under test/fixtures/oracle/, so the test suite never reads outside the project.

Usage: python3 scripts/import-oracle.py /path/to/shared/oracle
Each line is one case: {"source", "case", "files": {name: text}, "jsonl": {name: [objects]}}.
"""
import gzip, json, os, sys

def pack(root, out):
    cases = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        files, jsonl = {}, {}
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if name.endswith('.jsonl'):
                with open(path) as f:
                    jsonl[name] = [json.loads(l) for l in f if l.strip()]
            elif name.endswith('.md') or name == 'manifest.json':
                continue
            else:
                with open(path, encoding='utf-8', errors='surrogateescape') as f:
                    files[name] = f.read()
        if files or jsonl:
            cases.append({"source": rel.split(os.sep)[0], "case": rel, "files": files, "jsonl": jsonl})
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with gzip.open(out, 'wt', compresslevel=9) as f:
        for c in cases:
            f.write(json.dumps(c, sort_keys=True) + '\n')
    print(f"{out}: {len(cases)} cases, {os.path.getsize(out)} bytes")

oracle = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'oracle')
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'oracle')
pack(os.path.join(oracle, 'pve-access-control'), os.path.join(here, 'pve-access-control.jsonl.gz'))
pack(os.path.join(oracle, 'pve-firewall'), os.path.join(here, 'pve-firewall.jsonl.gz'))
