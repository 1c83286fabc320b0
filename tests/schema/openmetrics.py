#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/schema/openmetrics.py FILE - parse FILE with the Prometheus
# project's own OpenMetrics parser (Debian's python3-prometheus-client,
# strict: # EOF, TYPE/UNIT/HELP order, unit suffixes, label escaping,
# unique label sets) and print one line per sample as JSON:
#   {"name": ..., "labels": {...}, "value": ...}
# Exit 1 with the parser's message when FILE is not valid OpenMetrics.
# Run with Debian's python (/usr/bin/python3), where the package lives.
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

try:
    text = open(sys.argv[1], encoding="utf-8").read()
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            print(json.dumps({"name": s.name, "family": fam.name, "type": fam.type,
                              "unit": fam.unit, "labels": s.labels, "value": s.value}))
except Exception as e:  # the parser raises ValueError and friends
    print(f"openmetrics: {sys.argv[1]}: {e}", file=sys.stderr)
    sys.exit(1)
