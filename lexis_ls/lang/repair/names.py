"""One resolver for the names programs get wrong: opcodes, subgraph references, capabilities.

Generated programs name operations in other languages' vocabulary (``sum``, ``toUpperCase``,
``console.log``), in other styles (``ADD``, ``startsWith``, ``to-str``), with the ``std:`` prefix
missing or extra, abbreviated (``str_len``) or misspelt (``lenght``). The resolver finds what a
name stands for and how sure that is, as DIAGNOSTICS.md "Fix safety" and
:mod:`~lexis_ls.lang.repair.policy` require:

1. **Style** — equal after normalising case and style (UPPER, camelCase, PascalCase,
   kebab-case, spaces, dots, ``_``), or after adding or removing the ``std:`` prefix:
   CERTAIN (a safe fix).
2. **Synonym** — a word of the curated table (:mod:`~lexis_ls.lang.repair.synonyms`) whose
   input count (or port count) fits exactly one target: CERTAIN, LIKELY when the count is
   unknown; when several targets fit, or none, there is no fix (the alternatives are listed).
   A word the table knows is never "corrected" by spelling rules, and a word it refuses
   (``ne``, ``join``) is never fixed.
3. **Abbreviation** — a noise word dropped (``str_len``, ``math.sqrt``, ``concat_str``) or a
   prefix of exactly one name (``rev`` -> ``reverse``): at most LIKELY.
4. **Spelling** — edit distance (a transposition counts 1): LIKELY only when the best candidate
   is a whole edit ahead of the next (:func:`policy.clear_winner`), and for names of four
   letters or fewer a one-letter substitution is no evidence
   (:func:`policy.substitution_is_evidence`: ``sum`` is one letter from ``sub``).

The count is evidence both ways: a candidate whose arity (or port count) does not accept the
node's input count is not a candidate at all. The one exception is a style match that fits no
count while no synonym does: the name is the same name, so the fix stays CERTAIN and the count
is then reported on its own (``ADD`` with 3 inputs -> ``add``, then LX1002).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

from ..diagnostics import Evidence
from ..opcodes import CAPABILITIES, OPCODES, SUBGRAPH_ARITY, Arity, ValueRule
from ..stdlib import STD_PREFIX
from ..stdlib import entries as std_entries
from ..suggest import distance
from .policy import clear_winner, substitution_is_evidence
from .synonyms import CAPS, OPS, REFUSED, STD, Entry, Syn, Where

# How a resolution was reached (``Resolution.how``).
STYLE = "style"  # same name but for case, style or the `std:` prefix
SYNONYM = "synonym"  # a word of the curated table
ABBREVIATION = "abbreviation"  # a noise word dropped, or a prefix of one name
SPELLING = "spelling"  # edit distance
AMBIGUOUS = "ambiguous"  # several candidates fit equally: no fix
MISFIT = "misfit"  # the table knows the word, but no meaning fits the count: no fix
RESTRUCTURE = "restructure"  # the meaning needs more than a rename: suggested, not fixed
REFUSED_HOW = "refused"  # a foreign name with no equivalent: never fixed
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Resolution:
    """What a name stands for: ``best`` (the fix, or ``None``), ``alternatives`` for a "did you
    mean" message (best first), ``evidence`` (CERTAIN: safe fix; LIKELY: quick fix; ``None``:
    no fix), a short ``reason``, ``how`` it was found and ``notes`` for hints."""

    name: str
    best: str | None = None
    alternatives: tuple[str, ...] = ()
    evidence: Evidence | None = None
    reason: str = ""
    how: str = UNKNOWN
    notes: tuple[str, ...] = ()
    # For an op named like a stdlib subgraph (`max(a, b)`): `best` is `subgraph_call` and
    # `call` the reference its `value` must hold (`std:max`).
    call: str | None = None

    @property
    def safe(self) -> bool:
        return self.best is not None and self.evidence is Evidence.CERTAIN

    def hints(self) -> tuple[str, ...]:
        """Hints for a diagnostic: what the synonym is called in Lexis, and the table's notes."""
        out: list[str] = []
        if self.how == SYNONYM and self.best is not None:
            out.append(f"`{self.name}` is called `{self.best}` in Lexis")
        elif self.how == STYLE and "`std:`" in self.reason:
            out.append(self.reason)
        out.extend(n for n in self.notes if n not in out)
        return tuple(out)


# --- normalisation -----------------------------------------------------------------------

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SEPARATORS = re.compile(r"[^0-9A-Za-z]+")


@cache
def normalise(name: str) -> str:
    """``name`` in lower snake_case: ``toUpperCase``, ``TO-UPPER-CASE`` and ``To Upper Case``
    are ``to_upper_case``; ``console.log`` is ``console_log``. A trailing ``?`` (a Lisp
    predicate) is kept; a name of symbols only (``==``) is returned as it is."""
    s = name.strip()
    if not any(c.isalnum() for c in s):
        return s
    predicate = s.endswith("?")
    s = _ACRONYM.sub(r"\1_\2", _CAMEL.sub(r"\1_\2", s))
    s = _SEPARATORS.sub("_", s).strip("_").lower()
    return s + "?" if predicate else s


def squash(key: str) -> str:
    """A normalised key without its underscores: ``startswith`` is ``starts_with``."""
    return key.replace("_", "")


def _strip_std(name: str) -> tuple[str, bool]:
    s = name.strip()
    if s[:4].lower() == STD_PREFIX:
        return s[4:].strip(), True
    return s, False


# Words that say only what a value is or where a function lives: `str_len`, `math.sqrt`,
# `concat_str`, `list_reverse`. Dropping them is an abbreviation rule (at most LIKELY).
_NOISE_PREFIXES = ("str", "string", "list", "array", "arr", "math", "dict", "obj", "object")
_NOISE_SUFFIXES = ("str", "string", "strings", "list", "array", "arr", "num", "number", "value")


def _without_noise(key: str) -> str:
    parts = [p for p in key.split("_") if p]
    while len(parts) > 1 and parts[0] in _NOISE_PREFIXES:
        parts = parts[1:]
    while len(parts) > 1 and parts[-1] in _NOISE_SUFFIXES:
        parts = parts[:-1]
    return "_".join(parts)


# --- the name spaces ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Meaning:
    target: str
    counts: Arity | None  # the counts the word stands for (`Syn.inputs`); None: the target's
    where: Where | None
    rename: bool
    note: str


_REFUSE = "\0refused"  # a competitor that is never a fix


@dataclass
class _Space:
    """The candidates of one kind of name, with their keys."""

    names: dict[str, list[str]]  # normalised or squashed key -> candidates
    synonyms: dict[str, list[_Meaning]]  # normalised or squashed word -> meanings
    refused: dict[str, str]
    pool: list[tuple[str, str]]  # (key, target) for prefix and spelling rules

    def exact(self, key: str) -> list[str]:
        found = self.names.get(key) or self.names.get("\0" + squash(key)) or []
        return list(dict.fromkeys(found))

    def meanings(self, key: str) -> list[_Meaning]:
        return self.synonyms.get(key) or self.synonyms.get("\0" + squash(key)) or []


def _add_name(names: dict[str, list[str]], key: str, target: str) -> None:
    names.setdefault(key, []).append(target)
    names.setdefault("\0" + squash(key), []).append(target)


def _meanings(
    table: Mapping[str, tuple[Entry, ...]], ref: Callable[[str], str]
) -> dict[str, list[_Meaning]]:
    out: dict[str, list[_Meaning]] = {}
    for target, words in table.items():
        for entry in words:
            syn = entry if isinstance(entry, Syn) else Syn(entry)
            counts = Arity.parse(syn.inputs) if syn.inputs is not None else None
            m = _Meaning(ref(target), counts, syn.where, syn.rename, syn.note)
            key = normalise(syn.word)
            for k in (key, "\0" + squash(key)):
                if m not in out.setdefault(k, []):
                    out[k].append(m)
    return out


def _pool(
    names: dict[str, list[str]], synonyms: dict[str, list[_Meaning]]
) -> list[tuple[str, str]]:
    pool: list[tuple[str, str]] = []
    for key, targets in names.items():
        if not key.startswith("\0"):
            pool.extend((key, t) for t in targets)
    for key, meanings in synonyms.items():
        if not key.startswith("\0"):
            pool.extend((key, m.target) for m in meanings if m.rename)
    return pool


@cache
def _op_space() -> _Space:
    names: dict[str, list[str]] = {}
    for op in OPCODES:
        _add_name(names, normalise(op), op)
    synonyms = _meanings(OPS, lambda t: t)
    refused = {normalise(w): note for w, note in REFUSED.items()}
    pool = _pool(names, synonyms) + [(k, _REFUSE) for k in refused]
    return _Space(names, synonyms, refused, pool)


@cache
def _std_parts() -> tuple[dict[str, list[str]], dict[str, list[_Meaning]]]:
    names: dict[str, list[str]] = {}
    for name in std_entries():
        _add_name(names, normalise(name), STD_PREFIX + name)
    synonyms = _meanings(STD, lambda t: STD_PREFIX + t)
    return names, synonyms


@cache
def _cap_space() -> _Space:
    names: dict[str, list[str]] = {}
    for cap in CAPABILITIES:
        _add_name(names, normalise(cap), cap)
    table: dict[str, tuple[Entry, ...]] = dict(CAPS)
    synonyms = _meanings(table, lambda t: t)
    return _Space(names, synonyms, {}, _pool(names, synonyms))


# --- the resolver --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ask:
    """What the caller knows: whether a candidate fits the count (``None``: unknown), the count
    itself, which graph the name is in, and why a fix to a candidate would be only likely."""

    fits: Callable[[str], bool | None]
    count: int | None = None
    where: Where | None = None
    weaker: Callable[[str], str] | None = None  # candidate -> why only LIKELY, or ""

    def fit(self, target: str) -> bool:
        return self.fits(target) is not False


def _done(
    name: str,
    best: str,
    evidence: Evidence,
    how: str,
    reason: str,
    ask: _Ask,
    alternatives: Iterable[str] = (),
    notes: tuple[str, ...] = (),
) -> Resolution:
    if evidence is Evidence.CERTAIN:
        if how == SYNONYM and ask.fits(best) is None:
            evidence, reason = Evidence.LIKELY, reason + " (the input count is unknown)"
        elif ask.weaker is not None and (why := ask.weaker(best)):
            evidence, reason = Evidence.LIKELY, f"{reason} ({why})"
    alts = tuple(dict.fromkeys([best, *alternatives]))
    return Resolution(name, best, alts[:3], evidence, reason, how, notes)


def _none(
    name: str,
    how: str,
    reason: str,
    alternatives: Iterable[str] = (),
    notes: tuple[str, ...] = (),
) -> Resolution:
    alts = tuple(dict.fromkeys(a for a in alternatives if a != _REFUSE))
    return Resolution(name, None, alts[:3], None, reason, how, notes)


def _listed(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _by_style(
    name: str, key: str, space: _Space, ask: _Ask, why: str
) -> tuple[Resolution | None, list[str]]:
    """Step 1: the same name but for case, style or the ``std:`` prefix."""
    cands = space.exact(key)
    fit = [c for c in cands if ask.fit(c)]
    if len(fit) == 1:
        why = why or f"`{name}` differs from `{fit[0]}` only in case or style"
        return _done(name, fit[0], Evidence.CERTAIN, STYLE, why, ask), cands
    if len(fit) > 1:
        return _none(name, AMBIGUOUS, f"`{name}` matches {_listed(fit)}", fit), cands
    return None, cands


def _by_synonym(name: str, key: str, space: _Space, ask: _Ask) -> Resolution | None:
    """Step 2: the curated table; ``None`` when the word is not in it."""
    meanings = space.meanings(key)
    if not meanings:
        return None
    placed = [m for m in meanings if m.where is None or ask.where is None or m.where == ask.where]

    def fits(m: _Meaning) -> bool:
        if m.counts is not None:  # the table says which counts the word stands for
            return ask.count is None or m.counts.accepts(ask.count)
        return not m.rename or ask.fit(m.target)

    fitting = [m for m in placed if fits(m)]
    targets = list(dict.fromkeys(m.target for m in fitting))
    notes = tuple(dict.fromkeys(m.note for m in (fitting or placed) if m.note))
    if len(targets) == 1:
        target = targets[0]
        if all(m.rename for m in fitting):
            reason = f"`{name}` is the curated synonym of `{target}`"
            if ask.where is None and any(m.where is not None for m in placed):
                reason += " (which graph the node is in decides)"
                return Resolution(name, target, (target,), Evidence.LIKELY, reason, SYNONYM, notes)
            return _done(name, target, Evidence.CERTAIN, SYNONYM, reason, ask, notes=notes)
        return _none(
            name,
            RESTRUCTURE,
            f"`{name}` is `{target}` in Lexis, with more than a rename",
            targets,
            notes,
        )
    if targets:
        return _none(
            name,
            AMBIGUOUS,
            f"`{name}` has several meanings that fit: {_listed(targets)}",
            targets,
            notes,
        )
    every = list(dict.fromkeys(m.target for m in (placed or meanings)))
    return _none(
        name,
        MISFIT,
        f"`{name}` stands for {_listed(every)}, which the count does not fit",
        every,
        notes,
    )


def _by_abbreviation(name: str, key: str, space: _Space, ask: _Ask) -> Resolution | None:
    """Step 3: a noise word dropped, or a prefix of exactly one name; at most LIKELY."""
    stripped = _without_noise(key)
    if stripped and stripped != key:
        found, _ = _by_style(name, stripped, space, ask, "")
        if found is None:
            found = _by_synonym(name, stripped, space, ask)
        if found is not None:
            if found.best is None:
                return None
            return _done(
                name,
                found.best,
                Evidence.LIKELY,
                ABBREVIATION,
                f"`{name}` without its noise words is `{stripped}`, which is `{found.best}`",
                ask,
                notes=found.notes,
            )
    if len(key) < 3 or not key[0].isalpha():
        return None
    targets = list(
        dict.fromkeys(
            t
            for k, t in space.pool
            if k != key and k.startswith(key) and (t == _REFUSE or ask.fit(t))
        )
    )
    if len(targets) == 1 and targets[0] != _REFUSE:
        why = f"`{name}` abbreviates `{targets[0]}`, the only name it begins"
        return _done(name, targets[0], Evidence.LIKELY, ABBREVIATION, why, ask)
    return None


def _by_spelling(name: str, key: str, space: _Space, ask: _Ask) -> Resolution:
    """Step 4: edit distance, with a clear margin; short names need more than a substitution."""
    limit = max(1, min(3, len(key) // 3))
    best: dict[str, tuple[int, str]] = {}
    for k, target in space.pool:
        if target != _REFUSE and not ask.fit(target):
            continue
        if len(key) < 3 and k[:1] != key[:1]:
            continue  # any one-letter change of a very short name: keep the first letter
        d = distance(key, k, limit)
        if d <= limit and (target not in best or d < best[target][0]):
            best[target] = (d, k)
    ranked = sorted(best.items(), key=lambda kv: (kv[1][0], kv[0]))
    alternatives = [t for t, _ in ranked if t != _REFUSE]
    winner = clear_winner([(-float(d), t) for t, (d, _k) in ranked])
    if winner is None or winner == _REFUSE:
        why = "no candidate is clearly the closest" if ranked else "no close candidate"
        return _none(name, UNKNOWN, why, alternatives)
    d, matched = best[winner]
    if not substitution_is_evidence(key, matched):
        why = f"`{name}` is one letter from `{matched}`: too short to tell"
        return _none(name, UNKNOWN, why, alternatives)
    via = "" if squash(matched) == squash(normalise(winner)) else f" (as `{matched}`)"
    edits = f"{d} edit{'s' if d != 1 else ''}"
    why = f"`{name}` is {edits} from `{winner}`{via}, clearly the closest"
    return _done(name, winner, Evidence.LIKELY, SPELLING, why, ask, alternatives)


def _resolve(name: str, key: str, space: _Space, ask: _Ask, why: str = "") -> Resolution:
    """Steps 1-4 for a normalised ``key``; ``why`` explains a style match (a ``std:`` prefix)."""
    if not key:
        return _none(name, UNKNOWN, "an empty name")
    found, same_name = _by_style(name, key, space, ask, why)
    if found is not None:
        return found
    synonym = _by_synonym(name, key, space, ask)
    if synonym is not None and synonym.best is not None:
        return synonym
    if same_name:
        # The same name with a count it does not take: the count is reported on its own.
        why = why or f"`{name}` differs from `{same_name[0]}` only in case or style"
        return _done(name, same_name[0], Evidence.CERTAIN, STYLE, why, ask)
    if synonym is not None:
        return synonym  # a word the table knows is never "corrected" by spelling
    refusal = space.refused.get(key)
    if refusal is not None:
        return _none(name, REFUSED_HOW, f"Lexis has no equivalent of `{name}`", (), (refusal,))
    found = _by_abbreviation(name, key, space, ask)
    if found is not None:
        return found
    return _by_spelling(name, key, space, ask)


# --- the three kinds -----------------------------------------------------------------------


def _with_notes(found: Resolution, notes: tuple[str, ...]) -> Resolution:
    if not notes:
        return found
    merged = tuple(dict.fromkeys((*found.notes, *notes)))
    return Resolution(
        found.name, found.best, found.alternatives, found.evidence, found.reason, found.how, merged
    )


def resolve_op(
    name: str,
    input_count: int | None = None,
    *,
    in_subgraph: bool | None = None,
    has_value: bool | None = None,
) -> Resolution:
    """The opcode ``name`` stands for, for a node with ``input_count`` inputs (``None``:
    unknown) in a subgraph or in the main graph (``in_subgraph``; ``None``: unknown). When the
    node has a ``value`` (``has_value``), a fix to an op that takes none is only LIKELY: the
    value would be silently ignored."""
    return _resolve_op(name, input_count, in_subgraph, has_value)


@lru_cache(maxsize=4096)  # programs repeat their mistakes: the same name on many nodes
def _resolve_op(
    name: str, input_count: int | None, in_subgraph: bool | None, has_value: bool | None
) -> Resolution:
    bare, had_prefix = _strip_std(name)
    key = normalise(bare)
    why = ""
    notes: tuple[str, ...] = ()
    if had_prefix:
        why = f"`{name}` names a subgraph; the opcode is `{key}`"
        if bare in std_entries():
            notes = (
                f'`{name}` is a standard-library subgraph: call it with `subgraph_call` and "value": "{name}"',
            )

    def fits(op: str) -> bool | None:
        return None if input_count is None else OPCODES[op].arity.accepts(input_count)

    def weaker(op: str) -> str:
        if has_value and OPCODES[op].value is ValueRule.NONE:
            return f"`{op}` takes no `value`: the node's would be ignored"
        return ""

    where: Where | None = None if in_subgraph is None else ("subgraph" if in_subgraph else "main")
    ask = _Ask(fits, input_count, where, weaker)
    found = _resolve(name, key, _op_space(), ask, why if key in OPCODES else "")
    if found.evidence is not Evidence.CERTAIN and found.how not in (SYNONYM, RESTRUCTURE):
        call = _std_call(name, key, input_count, has_value)
        if call is not None:
            return call
    return _with_notes(found, notes)


def _std_call(
    name: str, key: str, input_count: int | None, has_value: bool | None
) -> Resolution | None:
    """An op named like a stdlib subgraph, or by the table's word for one (`max`, `abs`,
    `square`, `inc`): a `subgraph_call` of it. Certain when the node's inputs fill its ports and
    the node has no `value` of its own; ``None`` when the name names no stdlib subgraph."""
    std_names, std_synonyms = _std_parts()
    refs = list(dict.fromkeys(std_names.get(key) or std_names.get("\0" + squash(key)) or []))
    how = STYLE
    if not refs:
        refs = list(
            dict.fromkeys(
                m.target
                for m in std_synonyms.get(key) or std_synonyms.get("\0" + squash(key)) or []
            )
        )
        how = SYNONYM
    if not refs:
        return None
    ports = {r: std_entries()[r[len(STD_PREFIX) :]].arity for r in refs}
    fit = [r for r in refs if input_count is None or ports[r] == input_count]
    if len(fit) != 1:
        what = _listed(refs)
        why = (
            f"`{name}` is the standard-library subgraph {what}, whose ports the inputs do not fill"
        )
        return _none(name, MISFIT if not fit else AMBIGUOUS, why, [*refs], ())
    ref = fit[0]
    note = (
        f'`{name}` is the standard-library subgraph `{ref}`: `subgraph_call` with "value": "{ref}"'
    )
    reason = f"`{name}` names the standard-library subgraph `{ref}`"
    evidence = Evidence.CERTAIN
    if input_count is None:
        evidence, reason = Evidence.LIKELY, reason + " (the input count is unknown)"
    if has_value is not False:
        evidence = Evidence.LIKELY
        reason += " (the node's own `value` would be replaced)" if has_value else ""
    # "did you mean `std:max`?": the alternatives name the subgraph the call is of.
    return Resolution(name, "subgraph_call", (ref,), evidence, reason, how, (note,), ref)


def needed_ports(op: str, input_count: int) -> int | None:
    """The input-port count a subgraph referenced by a node of ``op`` must have: 1 for map,
    filter, iterate and retry, 2 for reduce, the node's input count for ``subgraph_call``;
    ``None`` (any) for ``subgraph_def``."""
    if op == "subgraph_call":
        return input_count
    return SUBGRAPH_ARITY.get(op)


def _holds_word(key: str, word: str) -> bool:
    """Whether ``word`` is one of the words of ``key``, or begins or ends it, as a whole word."""
    return key != word and (
        key.startswith(word + "_") or key.endswith("_" + word) or f"_{word}_" in key
    )


_HASH = re.compile(r"[0-9a-fA-F]{64}")


def resolve_subgraph_ref(
    name: str,
    local_names: Mapping[str, int] | Iterable[str],
    port_count_needed: int | None = None,
) -> Resolution:
    """The subgraph reference ``name`` stands for: a key of the program's ``subgraphs``
    (``local_names``; a mapping also gives each one's input-port count) or ``std:NAME``, for a
    node that needs a subgraph with ``port_count_needed`` input ports (``None``: any)."""
    if _HASH.fullmatch(name.strip()):
        return _none(name, UNKNOWN, "a content hash names no subgraph here")
    local: dict[str, int | None] = (
        {str(k): v for k, v in local_names.items()}
        if isinstance(local_names, Mapping)
        else dict.fromkeys(local_names)
    )
    std_names, std_synonyms = _std_parts()
    names = {k: list(v) for k, v in std_names.items()}
    for sub in local:
        _add_name(names, normalise(sub), sub)
    space = _Space(names, std_synonyms, {}, _pool(names, std_synonyms))

    def fits(ref: str) -> bool | None:
        if port_count_needed is None:
            return True  # any subgraph will do
        if ref in local:
            have = local[ref]
        else:
            entry = std_entries().get(ref[len(STD_PREFIX) :])
            have = entry.arity if entry is not None else None
        return None if have is None else have == port_count_needed

    bare, had_prefix = _strip_std(name)
    key = normalise(bare)
    found = _resolve(name, key, space, _Ask(fits, port_count_needed))
    if found.best is not None and found.best not in local and not had_prefix:
        # `square` is `std:square`, unless the program defines `square_plus_one`: a local
        # subgraph whose name holds the reference as a word may be the one meant.
        rivals = [
            sub for sub in local if _holds_word(normalise(sub), key) and fits(sub) is not False
        ]
        if rivals:
            why = f"`{name}` may be `{found.best}` or the program's {_listed(rivals)}"
            return _none(name, AMBIGUOUS, why, [found.best, *rivals], found.notes)
    if found.how != STYLE or found.best is None:
        return found
    if had_prefix and found.best in local:
        why = f"`{found.best}` is a subgraph of this program: it takes no `std:` prefix"
    elif not had_prefix and found.best not in local:
        why = f"standard-library names take the `std:` prefix: `{found.best}`"
    else:
        why = found.reason
    return Resolution(name, found.best, found.alternatives, found.evidence, why, STYLE, found.notes)


def resolve_capability(name: str, used: Collection[str] = ()) -> Resolution:
    """The capability ``name`` stands for. ``used`` (the capabilities the program's nodes need)
    decides between the meanings of an ambiguous word (``IO``, ``FILESYSTEM``), and between
    spellings equally close."""
    found = _resolve(name, normalise(name), _cap_space(), _Ask(lambda _c: True))
    if found.best is not None or not found.alternatives:
        return found
    needed = [c for c in found.alternatives if c in used]
    if len(needed) != 1:
        return found
    rest = tuple(a for a in found.alternatives if a != needed[0])
    if found.how == AMBIGUOUS:
        why = f"`{name}` stands for {_listed(found.alternatives)}; the program needs only `{needed[0]}`"
        return Resolution(
            name, needed[0], (needed[0], *rest), Evidence.CERTAIN, why, SYNONYM, found.notes
        )
    if found.how == UNKNOWN:
        why = f"`{needed[0]}` is close to `{name}`, and the program needs it"
        return Resolution(
            name, needed[0], (needed[0], *rest), Evidence.LIKELY, why, SPELLING, found.notes
        )
    return found


__all__ = [
    "Resolution",
    "needed_ports",
    "normalise",
    "resolve_capability",
    "resolve_op",
    "resolve_subgraph_ref",
]
