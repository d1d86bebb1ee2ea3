"""``eqalg models``: list the model zoo — hyperparameters, default data, symmetry catalogues.

For each model of :data:`eqalg.models.zoo.ZOO` it prints the hyperparameters with their
defaults, the accepted data, the default training schedule of ``eqalg check``, the families of
transformations in its symmetry catalogue (with the identities derived from them and their
source in MATH.md) and its negative controls, and builds the model once on its default data to
report the parameter count and the size of the concrete catalogue. ``--json PATH`` writes
``{"models": [{"name", "class", "summary", "default_data", "hyperparameters", "catalogue",
"controls", "default_instance", ...}]}``.
"""

from __future__ import annotations

import json

from ..datasets import load_dataset
from ..models.zoo import ZOO, conserved_generators, get_entry
from .check import json_path, write_output

__all__ = ["register", "run_models", "zoo_listing"]


def register(sub) -> None:
    """Add the ``models`` subcommand to an argparse subparsers object."""
    p = sub.add_parser("models", help="list the model zoo: hyperparameters, default data, symmetry catalogues",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("names", nargs="*", metavar="MODEL", help=f"models to show (default: all of {', '.join(ZOO)})")
    p.add_argument("--json", type=json_path, metavar="PATH", help="write the listing as JSON to PATH")
    p.set_defaults(func=run_models)


def _instance(entry) -> dict:
    model = entry.build(load_dataset(entry.default_data))
    syms, ctrls = model.symmetries(), model.controls()
    kinds = {}
    for t in syms.values():
        kinds[t.kind] = kinds.get(t.kind, 0) + 1
    return {"data": entry.default_data, "parameters": model.space.size, "blocks": model.space.describe(),
            "symmetries": len(syms), "symmetries_by_kind": kinds, "controls": sorted(ctrls),
            "conserved_quantities": len(conserved_generators(model))}


def zoo_listing(names=()) -> list:
    """JSON-ready descriptions of the given zoo models (all when ``names`` is empty).

    Raises
    ------
    UnknownNameError
        A name is not in the zoo.
    """
    entries = [get_entry(n) for n in names] if names else list(ZOO.values())
    return [dict(e.describe(), default_instance=_instance(e)) for e in entries]


def _format(item: dict) -> str:
    inst = item["default_instance"]
    lines = [f"{item['name']}  ({item['class']}) — {item['summary']}",
             f"  data: default {item['default_data']!r}; accepts {' or '.join(item['data_structures'])} data, "
             f"{' or '.join(item['tasks'])}",
             f"  training (eqalg check): {item['training']['steps']} GD steps, lr {item['training']['lr']}"]
    if item["hyperparameters"]:
        lines.append("  hyperparameters:")
        for h in item["hyperparameters"]:
            default = "auto" if h["default"] is None else h["default"]
            choices = f" ({'|'.join(h['choices'])})" if h["choices"] else ""
            lines.append(f"    {h['option']:<14} {h['type']:<5} default {default}{choices}: {h['help']}")
    else:
        lines.append("  hyperparameters: none")
    lines.append("  symmetry catalogue:")
    for c in item["catalogue"]:
        lines.append(f"    {c['transformation']:<32} {c['kind']:<26} {'/'.join(c['constraints']):<6} "
                     f"[{c['when']}] {c['source']}")
    lines.append(f"  negative controls: {', '.join(item['controls'])}")
    lines.append(f"  on {inst['data']}: D = {inst['parameters']}, {inst['symmetries']} symmetries "
                 f"({', '.join(f'{v} {k}' for k, v in inst['symmetries_by_kind'].items())}), "
                 f"{len(inst['controls'])} controls, {inst['conserved_quantities']} conserved quantities")
    return "\n".join(lines)


def run_models(args) -> int:
    """Print the zoo (and write JSON with ``--json``); returns 0."""
    listing = zoo_listing(args.names)
    print("\n\n".join(_format(item) for item in listing))
    if args.json:
        def write(path):
            with open(path, "w", encoding="utf-8") as fh:
                json.dump({"models": listing}, fh, indent=2)
                fh.write("\n")
        write_output("--json", args.json, write)
    return 0
