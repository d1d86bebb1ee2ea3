"""``eqalg group``: a finite group's order, conjugacy classes, subgroups and isotropy lattice.

``eqalg group NAME`` takes NAME = Sn (symmetric), An (alternating), Cn (cyclic), Dn (dihedral of
order 2n), Bn (hyperoctahedral: signed permutations of n points) or a product such as S3xS3.
``eqalg group --model mlp --activation tanh --hidden 4 --isotropy`` uses the hidden-unit group
of a two-layer MLP on bundled data (B_h for odd activations, S_h otherwise) acting on its
parameters, and lists the isotropy types: the distinct fixed subspaces Fix(K), invariant under
gradient descent (MATH.md B6).
"""

from __future__ import annotations

import json
import os
import re
import time
from math import prod

import numpy as np

from ..datasets import DATASETS, load_dataset
from ..errors import GroupTooLargeError, InvalidValueError, UnknownNameError
from ..models.functions import ACTIVATIONS
from ..models.mlp import TwoLayerMLP
from ..transforms.families import (alternating_group, cyclic_group, dihedral_group, direct_product,
                                   hyperoctahedral_group, symmetric_group)
from ..transforms.finite import DEFAULT_MAX_ORDER, FiniteGroup
from .check import json_path, order_int, positive_int, seed_int, write_output

__all__ = ["register", "run_group", "group_from_name", "group_job"]

FAMILIES = {"S": symmetric_group, "A": alternating_group, "C": cyclic_group, "D": dihedral_group,
            "B": hyperoctahedral_group}
_FACTOR = re.compile(r"([SACDB])([0-9]+)")          # ASCII digits only (\d accepts "S٤")


def group_from_name(name: str, max_order: int = DEFAULT_MAX_ORDER) -> FiniteGroup:
    """Build the group named ``name`` (``S4``, ``B3``, ``D5``, ``S3xS3``, ...).

    Raises
    ------
    UnknownNameError
        A factor is not Sn, An, Cn, Dn or Bn.
    InvalidValueError
        n < 1.
    GroupTooLargeError
        The order exceeds ``max_order``.
    """
    factors = name.split("x") if name else [""]
    groups = []
    for f in factors:
        m = _FACTOR.fullmatch(f)
        if not m:
            raise UnknownNameError(f"NAME: expected Sn, An, Cn, Dn or Bn (n ≥ 1), or a product such as S3xS3; "
                                   f"got {name!r}")
        if len(m.group(2)) > 18:
            raise InvalidValueError(f"NAME: {f[:24]!r}…: n must be below 10^18 (and the group's order at most "
                                    f"--max-order = {max_order})")
        n = int(m.group(2))
        if n < 1:
            raise InvalidValueError(f"NAME: {f!r}: n must be at least 1")
        if m.group(2) != str(n):
            raise UnknownNameError(f"NAME: {f!r}: write n without leading zeros ({m.group(1)}{n})")
        groups.append(FAMILIES[m.group(1)](n, max_order))
        if len(groups) > 1 and prod(G.order for G in groups) > max_order:   # refuse long products early
            direct_product(*groups, max_order=max_order, name=name)
    return groups[0] if len(groups) == 1 else direct_product(*groups, max_order=max_order, name=name)


#: Options of ``--model mlp`` and their defaults.
MODEL_OPTIONS = {"data": "iris", "activation": "tanh", "hidden": 4, "seed": 0}


def register(sub) -> None:
    """Add the ``group`` subcommand to an argparse subparsers object."""
    p = sub.add_parser("group", help="orders, conjugacy classes, subgroup lattices and isotropy of finite groups",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("name", nargs="?", metavar="NAME", help="Sn, An, Cn, Dn, Bn or a product such as S3xS3")
    p.add_argument("--model", choices=("mlp",), help="use the hidden-unit group of a model instead of NAME")
    # model options default to None so that giving one without --model can be refused
    p.add_argument("--data", choices=tuple(DATASETS), help="model data set (default: iris)")
    p.add_argument("--activation", choices=tuple(ACTIVATIONS), help="model activation (default: tanh)")
    p.add_argument("--hidden", type=positive_int, help="model hidden units (default: 4)")
    p.add_argument("--seed", type=seed_int, help="seed of the model's parameter point (default: 0)")
    p.add_argument("--isotropy", action="store_true", help="list the isotropy types of the model's group on θ")
    p.add_argument("--subgroups", action="store_true", help="compute all subgroups and their conjugacy classes")
    p.add_argument("--classes", action="store_true",
                   help="print the tables of element classes and subgroup classes (with --subgroups)")
    p.add_argument("--graphml", type=json_path, metavar="PATH",
                   help="write the subgroup lattice as GraphML (classes with --classes)")
    p.add_argument("--dot", type=json_path, metavar="PATH",
                   help="write the subgroup lattice as Graphviz DOT (classes with --classes)")
    p.add_argument("--json", type=json_path, metavar="PATH", help="write the results as JSON to PATH")
    p.add_argument("--max-order", type=order_int, default=DEFAULT_MAX_ORDER,
                   help=f"largest group order accepted (default: {DEFAULT_MAX_ORDER})")
    p.set_defaults(func=run_group, _parser=p)


def _kind(G: FiniteGroup) -> str:
    if G.is_permutation_group:
        return f"permutations of {G.degree} points"
    if G.is_signed_permutation_group:
        return f"signed permutations of {G.degree} points"
    return f"{G.degree}x{G.degree} matrices"


def _natural(G: FiniteGroup, g) -> dict:
    """An element as arrays: gather form ``perm``/``signs`` ((g x)[i] = signs[i] x[perm[i]]) or ``matrix``."""
    if G.is_signed_permutation_group:
        return {"perm": g.perm.tolist(), "signs": g.signs.tolist()}
    return {"matrix": g.matrix.tolist()}


def group_job(G: FiniteGroup, *, subgroups: bool = False, rho=None, theta=None, isotropy: bool = False) -> dict:
    """Compute what ``eqalg group`` reports for G (and a representation ρ) as a JSON-ready dict.

    Keys: ``name, order, degree, kind, exponent, abelian, center_order, conjugacy_classes``
    (number of element classes), ``element_classes`` (element order, size, representative as
    a label, and as arrays: ``perm`` and ``signs`` (gather form) or ``matrix``);
    with ``subgroups``: ``subgroups``, ``subgroup_classes``, ``normal_subgroups`` (numbers) and
    ``subgroup_class_list`` (per class: order, size, normal, normalizer_order); with ρ:
    ``representation`` (dimension, dim Fix(G), stabilizer order of θ); with ``isotropy``:
    ``isotropy`` (per type: order, class_size, dim); ``seconds``.
    """
    t0 = time.perf_counter()
    classes = G.conjugacy_classes()
    out = {"name": G.name, "order": G.order, "degree": G.degree, "kind": _kind(G), "exponent": G.exponent,
           "abelian": G.is_abelian, "center_order": G.center().order, "conjugacy_classes": len(classes),
           "element_classes": [{"element_order": c.element_order, "size": c.size,
                                "representative": G.label(c.representative), **_natural(G, c.representative)}
                               for c in classes]}
    seconds = {"elements_and_classes": time.perf_counter() - t0}
    if subgroups:
        t1 = time.perf_counter()
        L = G.subgroups()
        out.update(L.summary())
        out["subgroup_class_list"] = [{"class": c.index, "order": c.order, "size": c.size, "normal": c.is_normal,
                                       "normalizer_order": c.normalizer_order} for c in L.classes]
        seconds["subgroups"] = time.perf_counter() - t1
    if rho is not None:
        out["representation"] = {"name": rho.name, "dimension": rho.space.size,
                                 "fixed_dimension": rho.fixed_subspace().dim,
                                 "stabilizer_order_of_theta": rho.stabilizer(theta).order}
    if isotropy:
        t1 = time.perf_counter()
        iso = rho.isotropy_lattice()
        out["isotropy"] = [{"order": t.order, "class_size": t.class_size, "dim": t.dim} for t in iso]
        seconds["isotropy"] = time.perf_counter() - t1
    out["seconds"] = seconds
    return out


def run_group(args) -> int:
    """Run ``eqalg group`` from parsed arguments; print the results; return the exit status."""
    if (args.name is None) == (args.model is None):
        args._parser.error("give either NAME or --model mlp")
    if args.isotropy and args.model is None:
        args._parser.error("--isotropy needs --model")
    given = [f"--{name}" for name in MODEL_OPTIONS if getattr(args, name) is not None]
    if given and args.model is None:
        args._parser.error(f"{', '.join(given)} appl{'ies' if len(given) == 1 else 'y'} only with --model mlp")
    for name, default in MODEL_OPTIONS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    outputs = [(opt, os.path.realpath(path)) for opt, path in
               (("--json", args.json), ("--graphml", args.graphml), ("--dot", args.dot)) if path]
    for i, (opt, path) in enumerate(outputs):
        for opt2, path2 in outputs[:i]:
            if path == path2:
                args._parser.error(f"{opt2} and {opt} name the same file {path!r}: one output would overwrite the other")
    want_subgroups = args.subgroups or bool(args.graphml or args.dot)
    rho = theta = model = None
    if args.model:
        ds = load_dataset(args.data)
        loss = "cross_entropy" if ds.task == "classification" else "mse"
        model = TwoLayerMLP(ds.X, ds.Y, args.hidden, args.activation, loss)
        theta = model.init_params(np.random.default_rng(args.seed))
        rho = model.discrete_symmetry_group(args.max_order)
        G = rho.group
    else:
        G = group_from_name(args.name, args.max_order)
    try:
        res = group_job(G, subgroups=want_subgroups, rho=rho, theta=theta, isotropy=args.isotropy)
    except GroupTooLargeError as exc:
        if "table" not in str(exc):
            raise
        needs = " and ".join(opt for opt, on in (("--subgroups (or --graphml/--dot)", want_subgroups),
                                                 ("--isotropy", args.isotropy)) if on)
        raise GroupTooLargeError(f"{needs}: {exc} (these options need the multiplication table; without them "
                                 "the order, classes and centre are computed)") from None
    if model is not None:
        res["model"] = model.describe()
    _print(res, args.classes)
    if want_subgroups and (args.graphml or args.dot):
        L = G.subgroups()
        if args.graphml:
            write_output("--graphml", args.graphml, lambda path: L.write_graphml(path, classes=args.classes))
            print(f"wrote the {'class ' if args.classes else ''}lattice as GraphML to {args.graphml}")
        if args.dot:
            write_output("--dot", args.dot, lambda path: L.write_dot(path, classes=args.classes))
            print(f"wrote the {'class ' if args.classes else ''}lattice as DOT to {args.dot}")
    if args.json:
        def write(path):
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(res, fh, indent=2)
        write_output("--json", args.json, write)
    return 0


def _print(res: dict, tables: bool) -> None:
    if "model" in res:
        m = res["model"]
        print(f"model: two-layer MLP {m['inputs']}-{m['hidden']}-{m['outputs']}, activation {m['activation']}, "
              f"D = {m['parameters']}")
    print(f"group {res['name']}: order {res['order']}, {res['kind']}, exponent {res['exponent']}, "
          f"{'abelian' if res['abelian'] else 'non-abelian'}, centre of order {res['center_order']}")
    print(f"conjugacy classes: {res['conjugacy_classes']}")
    if tables:
        print("  element order  size  representative")
        for c in res["element_classes"]:
            print(f"  {c['element_order']:>13}  {c['size']:>4}  {c['representative']}")
    if "subgroups" in res:
        print(f"subgroups: {res['subgroups']} in {res['subgroup_classes']} conjugacy classes, "
              f"{res['normal_subgroups']} normal")
        if tables:
            print("  class  order  conjugates  normal")
            for c in res["subgroup_class_list"]:
                print(f"  {c['class']:>5}  {c['order']:>5}  {c['size']:>10}  {'yes' if c['normal'] else ''}")
    if "representation" in res:
        r = res["representation"]
        print(f"representation {r['name']} on R^{r['dimension']}: dim Fix(G) = {r['fixed_dimension']}, "
              f"stabilizer of the initial θ has order {r['stabilizer_order_of_theta']}")
    if "isotropy" in res:
        print(f"isotropy types (fixed subspaces invariant under gradient descent): {len(res['isotropy'])}")
        print("  |K|  conjugates  dim Fix(K)")
        for t in res["isotropy"]:
            print(f"  {t['order']:>3}  {t['class_size']:>10}  {t['dim']:>10}")
