#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tests/schema/validate.py SCHEMA[#/$defs/NAME] FILE... - validate JSON
# documents against a JSON Schema (draft 2020-12), or against one of its
# definitions (the UI's export of one snapshot: #/$defs/snapshot); print
# each error with its path, exit 1 if any document is invalid.
import json
import sys

import jsonschema

path, _, pointer = sys.argv[1].partition("#")
schema = json.load(open(path))
if pointer:
    schema = {"$defs": schema["$defs"], "$ref": "#" + pointer}
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    try:
        doc = json.load(open(path))
    except ValueError as e:
        print(f"{path}: not JSON: {e}")
        bad += 1
        continue
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors[:5]:
        where = "/".join(str(p) for p in e.path)
        print(f"{path}: {where or '(top)'}: {e.message[:200]}")
    bad += bool(errors)
sys.exit(1 if bad else 0)
