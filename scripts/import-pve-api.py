#!/usr/bin/env python3
"""Reduces the Proxmox VE API schema (../shared/reference/pve-api/pve-api-hardening-subset.json, extracted
from pve-docs apidata.js) to what test/pve-api-commands.test.ts needs: per "METHOD /path" the parameters
with their type, whether they are optional, and the constraints a literal value is checked against
(enum, named or property-string format, pattern, bounds). Descriptions and return shapes are dropped.

Usage: python3 scripts/import-pve-api.py /path/to/shared/reference/pve-api
Writes test/fixtures/pve-api/api-parameters.json (test data only; never imported by src/).
"""
import json, os, sys

# Guest creation takes hundreds of VM/CT options; pvesec never prints such a command.
LEFT_OUT = {'POST /nodes/{node}/qemu', 'POST /nodes/{node}/lxc'}
KEPT = ('type', 'enum', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength')


def reduce_property(prop):
    out = {k: prop[k] for k in KEPT if k in prop}
    if prop.get('optional'):
        out['optional'] = 1
    fmt = prop.get('format')
    if isinstance(fmt, str):
        out['format'] = fmt
    elif isinstance(fmt, dict):  # a property string: key=value[,key=value...]
        out['format'] = {key: reduce_property(sub) for key, sub in sorted(fmt.items())}
    if prop.get('default_key'):
        out['default_key'] = 1
    if isinstance(prop.get('items'), dict):
        out['items'] = reduce_property(prop['items'])
    return out


def main(root):
    with open(os.path.join(root, 'pve-api-hardening-subset.json')) as f:
        subset = json.load(f)
    calls = {}
    for path in sorted(subset):
        for method in sorted(subset[path]):
            if f'{method} {path}' in LEFT_OUT:
                continue
            props = subset[path][method].get('parameters', {}).get('properties', {})
            calls[f'{method} {path}'] = {name: reduce_property(p) for name, p in sorted(props.items())}
    out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'pve-api', 'api-parameters.json')
    with open(out, 'w') as f:
        f.write('{\n' + ',\n'.join(f'{json.dumps(k)}: {json.dumps(v, separators=(",", ":"))}' for k, v in calls.items()) + '\n}\n')
    print(f'{len(calls)} calls -> {os.path.normpath(out)}')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '../shared/reference/pve-api')
