"""The indexes behind id completion and "did you mean" give the same answers as the plain
per-request computations they replaced (a pass over every id each time), on random programs
and names."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

import pytest

from lexis_ls.lang import complete
from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.complete import MAX_IDS, completion_context, completions, dependents
from lexis_ls.lang.diagnostics import Evidence
from lexis_ls.lang.incremental import reanalyze
from lexis_ls.lang.locate import locate
from lexis_ls.lang.repair.intent import (
    Candidate,
    _abbreviates,
    _number_forms,
    normalise_name,
    reference_candidate,
)
from lexis_ls.lang.repair.policy import clear_winner, substitution_is_evidence
from lexis_ls.lang.suggest import distance

# --- completion of input ids ----------------------------------------------------------------


def _group(name: str, prefix: str) -> int:
    if not prefix:
        return 0
    low, p = name.lower(), prefix.lower()
    return 0 if low.startswith(p) else 1 if p in low else 2


def expected_ids(text: str, offset: int) -> tuple[list[str], bool]:
    """The ids offered at ``offset`` as the pass over every id ranked them: what is typed
    (prefix, then substring, then the rest), then nearest before the node, then after it;
    beyond MAX_IDS only the first two groups, capped."""
    analysis = analyze(text)
    ctx = completion_context(analysis, offset)
    graph = analysis.program.main
    excluded: set[str] = set()
    if ctx.node_id is not None:
        excluded = {ctx.node_id} | dependents(graph, ctx.node_id)
    here = ctx.node_start if ctx.node_start is not None else ctx.offset
    ranked = []
    for nid, node in graph.by_id.items():
        if nid in excluded or node.syntax.start == ctx.node_start:
            continue
        pos = node.syntax.start
        near = (0, here - pos) if pos < here else (1, pos)
        ranked.append(((_group(nid, ctx.prefix), *near), nid))
    incomplete = len(ranked) > MAX_IDS
    if incomplete:
        ranked = [r for r in ranked if r[0][0] < 2]
    ranked.sort()
    return [nid for _, nid in ranked[: MAX_IDS if incomplete else None]], incomplete


def random_program(
    rng: random.Random, size: int, typed: str, unique: bool = False
) -> tuple[str, int]:
    """``size`` nodes with ids of a few shapes (some differing only in case, some repeated
    unless ``unique``), the node being edited (``cur``, with ``typed`` in its inputs) among
    them, and some nodes that use it (they must not be offered: a cycle)."""
    stems = ["n", "N", "total", "Total_", "x", "sum", "ab"]
    ids: list[str] = []
    lines = []
    where = rng.randrange(size)
    cursor = 0
    text = '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE"],\n  "nodes": [\n'
    for k in range(size):
        if k == where:
            line = '    {"id": "cur", "op": "add", "inputs": ["' + typed
            cursor = len(text) + sum(len(x) + 2 for x in lines) + len(line)
            lines.append(line + '"]}')
            ids.append("cur")
            continue
        nid = f"{rng.choice(stems)}{rng.randrange(size * 2)}"
        if ids and rng.random() < 0.05:
            nid = rng.choice(ids)  # a duplicate id
        while unique and nid in ids:
            nid += "u"
        if k > where and rng.random() < 0.1:
            src = rng.choice(["cur", *ids[-5:]])
            lines.append(f'    {{"id": "{nid}", "op": "neg", "inputs": ["{src}"]}}')
        else:
            lines.append(f'    {{"id": "{nid}", "op": "const", "value": {k}}}')
        ids.append(nid)
    text += ",\n".join(lines) + "\n  ]\n}\n"
    return text, cursor


# unique: each node has an id of its own and reads earlier nodes only (then the dependents of
# the node at the cursor are walked only when a node after it is looked at)
@pytest.mark.parametrize("unique", [False, True])
@pytest.mark.parametrize("walk", [complete._WALK, 10])  # 10: the index of every id, more often
@pytest.mark.parametrize("seed", range(30))
def test_input_ids_equal_the_pass_over_every_id(
    seed: int, walk: int, unique: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(complete, "_WALK", walk)
    rng = random.Random(seed)
    size = rng.choice([50, MAX_IDS, MAX_IDS + 2, 450, 900, 2000])
    typed = rng.choice(["", "n", "N1", "tot", "total_1", "x9", "zz", "1", "_", "sum12"])
    text, offset = random_program(rng, size, typed, unique)
    want = expected_ids(text, offset)
    analysis = analyze(text)
    for _ in range(2):  # the second time from the index kept for this analysis
        found = completions(analysis, offset)
        assert ([c.label for c in found.items], found.incomplete) == want
    # a shorter prefix on the same analysis (the cursor inside the string typed)
    if typed:
        shorter = offset - 1
        found = completions(analysis, shorter)
        assert ([c.label for c in found.items], found.incomplete) == expected_ids(text, shorter)


def test_ids_after_an_incremental_rename_are_the_new_ones() -> None:
    nodes = [f'    {{"id": "n{i}", "op": "const", "value": {i}}}' for i in range(600)]
    text = (
        '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE"],\n  "nodes": [\n'
        + ",\n".join([*nodes, '    {"id": "s", "op": "neg", "inputs": ["n59"]}'])
        + "\n  ]\n}\n"
    )
    offset = text.index('["n59') + 5
    old = analyze(text)
    assert "n59" in [c.label for c in completions(old, offset).items]
    at = text.index('"id": "n59"') + 7
    new = reanalyze(old, at, at + 3, "m59")  # n59 -> m59
    labels = [c.label for c in completions(new, offset).items]
    assert "n59" not in labels and "n590" in labels
    # the definition at the renamed node is found in the new analysis
    site = locate(new, at + 1)
    assert site.kind == "id" and site.text == "m59"


# --- "did you mean" -------------------------------------------------------------------------


def old_reference_candidate(
    name: str, ids: Iterable[str], unused: Callable[[str], bool]
) -> Candidate | None:
    """reference_candidate as it was: every id normalised and compared for each reference."""
    pool = [i for i in ids if i != name]
    norm = normalise_name(name)
    same = [i for i in pool if normalise_name(i) == norm]
    if len(same) == 1:
        return Candidate(same[0], Evidence.CERTAIN, "differs only in case or style")
    if len(same) > 1:
        return None
    forms = _number_forms(name)
    limit = max(1, min(3, len(name) // 3))
    scored: list[tuple[float, Candidate]] = []
    for i in pool:
        ni = normalise_name(i)
        if ni in forms:
            score, why = 3.0, "singular/plural"
        elif _abbreviates(norm, ni):
            score, why = 2.0, "an abbreviation"
        else:
            d = distance(norm, ni, limit)
            if d > limit or not substitution_is_evidence(name, i):
                continue
            score, why = 3.0 - d, "a close spelling"
        if unused(i):
            score += 1.0
            why += " of a node whose value is never used"
        scored.append((score, Candidate(i, Evidence.LIKELY, why)))
    return clear_winner(scored)


WORDS = ["total", "sum", "count", "cnt", "number", "numbers", "entry", "entries", "box", "avg"]
WORDS += ["average", "value", "x", "ab", "n1", "price", "prices", "idx", "index", "é"]


def random_name(rng: random.Random) -> str:
    parts = [rng.choice(WORDS) for _ in range(rng.choice([1, 1, 2]))]
    name = rng.choice(["_", "-", "", ".", " "]).join(parts)
    if rng.random() < 0.3:
        name = name.title() if rng.random() < 0.5 else name.upper()
    if rng.random() < 0.3 and name:  # a typo: a letter changed, dropped or doubled
        k = rng.randrange(len(name))
        name = rng.choice(
            [
                name[:k] + "q" + name[k + 1 :],
                name[:k] + name[k + 1 :],
                name[:k] + name[k] + name[k:],
            ]
        )
    return name


@pytest.mark.parametrize("seed", range(40))
def test_reference_candidate_equals_the_per_reference_computation(seed: int) -> None:
    rng = random.Random(seed)
    ids = list(dict.fromkeys(random_name(rng) for _ in range(rng.choice([3, 10, 40, 200, 1000]))))
    unused_ids = {i for i in ids if rng.random() < 0.3}
    for _ in range(25):
        name = random_name(rng) if rng.random() < 0.8 else rng.choice(ids)
        got = reference_candidate(name, ids, unused_ids.__contains__)
        assert got == old_reference_candidate(name, ids, unused_ids.__contains__), name
