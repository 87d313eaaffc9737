"""Make the JSON Schema the tests validate OCSF output against, from an OCSF schema export.

The OCSF project publishes its schema as a compiled JSON export (what the OCSF server
serves at ``/export/schema``, and what ``python -m ocsf.compile`` of the ``ocsf-lib``
package writes; ``ocsf-lib-py`` keeps released ones in ``schema_cache/schema-X.Y.Z.json``).
This turns one event class of such an export into a self-contained JSON Schema
(draft 2020-12): every attribute with its type, array-ness and enumerated values, every
object reachable from it under ``$defs``, no attribute that the schema does not define
(``additionalProperties: false``), required attributes required, ``at_least_one`` and
``just_one`` constraints, and a top-level attribute that belongs to a profile (``cloud``,
``datetime``…) allowed, and required when the profile requires it, only when the event
lists that profile in ``metadata.profiles``. Nested objects' profile attributes are
allowed without that condition (JSON Schema cannot look back up to the root).

Run it by hand when moving to another OCSF version; the tests never touch the network::

    python scripts/vendor_ocsf_schema.py schema-1.5.0.json detection_finding \\
        tests/data/ocsf/detection_finding-1.5.0.schema.json \\
        --source "ocsf/ocsf-lib-py schema_cache/schema-1.5.0.json (commit 0e6f048)"
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

#: OCSF scalar types by their base type; every other ``*_t`` type derives from one of them.
_JSON_TYPES = {
    "boolean_t": {"type": "boolean"},
    "float_t": {"type": "number"},
    "integer_t": {"type": "integer"},
    "long_t": {"type": "integer"},
    "string_t": {"type": "string"},
    "json_t": {},
    "datetime_t": {"type": "string", "format": "date-time"},
}


def _scalar(schema: dict[str, Any], type_name: str) -> dict[str, Any]:
    seen = type_name
    while seen not in _JSON_TYPES:
        base = (schema["types"].get(seen) or {}).get("type")
        if not base:
            return {}
        seen = base
    return dict(_JSON_TYPES[seen])


def _attribute(schema: dict[str, Any], attr: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    kind = attr.get("type") or "string_t"
    if kind == "object":
        item: dict[str, Any] = {"type": "object"}
    elif kind in schema["objects"]:
        wanted.add(kind)
        item = {"$ref": f"#/$defs/{kind}"}
    else:
        item = _scalar(schema, kind)
        enum = attr.get("enum")
        if enum:
            cast = int if item.get("type") == "integer" else str
            item["enum"] = sorted(cast(k) for k in enum)
    return {"type": "array", "items": item} if attr.get("is_array") else item


def _constraints(record: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for rule, names in (record.get("constraints") or {}).items():
        if rule == "at_least_one":
            found.append({"anyOf": [{"required": [n]} for n in names]})
        elif rule == "just_one":
            found.append({"oneOf": [{"required": [n]} for n in names]})
    return found


def _record(
    schema: dict[str, Any], record: dict[str, Any], wanted: set[str], *, gate_profiles: bool
) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditions: list[dict[str, Any]] = []
    for name, attr in sorted(record["attributes"].items()):
        properties[name] = _attribute(schema, attr, wanted)
        profile = attr.get("profile")
        is_required = attr.get("requirement") == "required"
        if gate_profiles and profile:
            uses = {
                "properties": {
                    "metadata": {
                        "properties": {"profiles": {"contains": {"const": profile}}},
                        "required": ["profiles"],
                    }
                },
                "required": ["metadata"],
            }
            conditions.append(
                {
                    "if": uses,
                    "then": {"required": [name]} if is_required else True,
                    "else": {"not": {"required": [name]}},
                }
            )
        elif is_required:
            required.append(name)
    out: dict[str, Any] = {
        "type": "object",
        "description": record.get("caption", ""),
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    all_of = conditions + _constraints(record)
    if all_of:
        out["allOf"] = all_of
    return out


def build(schema: dict[str, Any], class_name: str, source: str) -> dict[str, Any]:
    """The JSON Schema of ``class_name`` in the compiled OCSF ``schema``."""
    record = schema["classes"][class_name]
    wanted: set[str] = set()
    top = _record(schema, record, wanted, gate_profiles=True)
    defs: dict[str, Any] = {}
    while wanted - set(defs):
        name = sorted(wanted - set(defs))[0]
        defs[name] = _record(schema, schema["objects"][name], wanted, gate_profiles=False)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"ocsf-{schema['version']}-{class_name}",
        "$comment": (
            f"OCSF {schema['version']} class {class_name} (class_uid {record['uid']}), made by "
            f"scripts/vendor_ocsf_schema.py from {source}. The OCSF schema is Apache-2.0 "
            "licensed (https://github.com/ocsf/ocsf-schema)."
        ),
        "title": record.get("caption", class_name),
        **top,
        "$defs": dict(sorted(defs.items())),
    }


def main(argv: list[str] | None = None) -> int:
    """Write the JSON Schema of one class of an OCSF schema export."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path, help="compiled OCSF schema export (JSON)")
    parser.add_argument("class_name", help="e.g. detection_finding")
    parser.add_argument("out", type=Path, help="where to write the JSON Schema")
    parser.add_argument("--source", default="", help="where the export came from (recorded)")
    args = parser.parse_args(argv)
    schema = json.loads(args.export.read_text(encoding="utf-8"))
    result = build(schema, args.class_name, args.source or str(args.export))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(result['$defs'])} objects", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
