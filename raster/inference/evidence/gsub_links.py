"""Links between glyphs that a font's GSUB states, read without the cmap (fontTools otTables).

Every lookup of the ``isol``/``init``/``medi``/``fina`` features (and the lookups their
contextual rules call) maps a glyph to its contextual form: ``fina(g)`` is the same character as
``g``, in the final form. ``rlig``/``calt`` single substitutions map a glyph to an alternate of
the same character and form; ``rlig``/``liga`` ligatures name their component glyphs; multiple
substitutions of ``ccmp``/``rlig`` (``beh -> dotless-beh + dot-below``) decompose a letter into a
skeleton and its dots. A malformed table or a lookup cycle gives a warning, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FORM_FEATURES = ("isol", "init", "medi", "fina")
ALTERNATE_FEATURES = ("rlig", "calt")
LIGATURE_FEATURES = ("rlig", "liga")
DECOMPOSITION_FEATURES = ("ccmp", "rlig")
_CONTAINERS = (
    "SubRuleSet",
    "SubRule",
    "SubClassSet",
    "SubClassRule",
    "ChainSubRuleSet",
    "ChainSubRule",
    "ChainSubClassSet",
    "ChainSubClassRule",
)


@dataclass
class GsubLinks:
    """What the GSUB says, in glyph indices.

    Attributes:
        form_edges: (source, target, form): ``target`` is ``form`` of ``source``'s character.
        alternate_edges: (source, target): ``target`` is an alternate of ``source`` (same
            character, same form).
        ligatures: (component glyphs, ligature glyph).
        decompositions: (glyph, glyphs it is drawn as), e.g. a letter -> skeleton + dots.
        warnings: one line per part of the table that was skipped.
    """

    form_edges: list[tuple[int, int, str]] = field(default_factory=list)
    alternate_edges: list[tuple[int, int]] = field(default_factory=list)
    ligatures: list[tuple[tuple[int, ...], int]] = field(default_factory=list)
    decompositions: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.form_edges or self.alternate_edges or self.ligatures or self.decompositions
        )


def _unwrap(lookup) -> tuple[int, list]:
    """(lookup type, subtables) with extension subtables (type 7) unwrapped."""
    kind = lookup.LookupType
    subtables = list(lookup.SubTable or [])
    if kind == 7:
        kind = subtables[0].ExtensionLookupType if subtables else 7
        subtables = [st.ExtSubTable for st in subtables]
    return kind, subtables


def _nested(obj) -> list[int]:
    """Lookup indices the contextual rule(s) of ``obj`` call."""
    out = [rec.LookupListIndex for rec in getattr(obj, "SubstLookupRecord", None) or []]
    for attr in _CONTAINERS:
        for child in getattr(obj, attr, None) or []:
            if child is not None:
                out += _nested(child)
    return out


def _reachable(lookups, start: int, warnings: list[str]) -> list[int]:
    """``start`` and every lookup its contextual rules call, depth first; a cycle is warned
    about and not followed."""
    seen: list[int] = []
    stack: list[tuple[int, tuple[int, ...]]] = [(start, ())]
    while stack:
        index, path = stack.pop()
        if index in path:
            warnings.append(
                f"GSUB lookup cycle {' -> '.join(map(str, (*path, index)))}; not followed"
            )
            continue
        if index in seen:
            continue
        if not 0 <= index < len(lookups):
            warnings.append(f"GSUB lookup {index} does not exist (called from {path}); skipped")
            continue
        seen.append(index)
        kind, subtables = _unwrap(lookups[index])
        if kind in (5, 6):
            for st in subtables:
                for nxt in _nested(st):
                    stack.append((nxt, (*path, index)))
    return seen


def _features(gsub) -> dict[str, list[int]]:
    """feature tag -> lookup indices (all scripts and languages together)."""
    out: dict[str, list[int]] = {}
    for rec in gsub.FeatureList.FeatureRecord if gsub.FeatureList else []:
        out.setdefault(rec.FeatureTag, []).extend(rec.Feature.LookupListIndex)
    return out


def read_gsub_links(ttfont) -> GsubLinks:
    """Walk the GSUB of ``ttfont`` (see the module doc) over all glyphs; the cmap is not used.

    Returns:
        The links; empty with no GSUB. A table that cannot be read gives one warning and no
        links; a lookup that cannot be read is skipped with a warning.
    """
    links = GsubLinks()
    if "GSUB" not in ttfont:
        return links
    try:
        gsub = ttfont["GSUB"].table
        lookups = gsub.LookupList.Lookup if gsub.LookupList else []
        features = _features(gsub)
        gid = ttfont.getReverseGlyphMap()
    except Exception as exc:  # fontTools raises many types on a corrupt table
        links.warnings.append(
            f"GSUB unreadable ({type(exc).__name__}: {exc}); GSUB evidence skipped"
        )
        return links
    done: set[tuple[str, int]] = set()
    roles = [(tag, "form") for tag in FORM_FEATURES]
    roles += [(tag, "alternate") for tag in ALTERNATE_FEATURES]
    roles += [(tag, "ligature") for tag in LIGATURE_FEATURES]
    roles += [(tag, "decomposition") for tag in DECOMPOSITION_FEATURES]
    for tag, role in roles:
        for start in dict.fromkeys(features.get(tag, [])):
            for index in _reachable(lookups, start, links.warnings):
                if (role + tag, index) in done:
                    continue
                done.add((role + tag, index))
                try:
                    _read_lookup(lookups[index], tag, role, gid, links)
                except Exception as exc:
                    links.warnings.append(
                        f"GSUB lookup {index} ({tag}) unreadable ({type(exc).__name__}: {exc}); skipped"
                    )
    return links


def _read_lookup(lookup, tag: str, role: str, gid: dict[str, int], links: GsubLinks) -> None:
    kind, subtables = _unwrap(lookup)
    for st in subtables:
        pairs: list[tuple[str, list[str]]] = []
        if kind == 1:
            pairs = [(a, [b]) for a, b in (st.mapping or {}).items()]
        elif kind == 2:
            pairs = [(a, list(b)) for a, b in (st.mapping or {}).items()]
        elif kind == 8:
            cover = st.Coverage.glyphs if st.Coverage else []
            pairs = [(a, [b]) for a, b in zip(cover, st.Substitute or [], strict=False)]
        elif kind == 4 and role == "ligature":
            for first, ligs in (st.ligatures or {}).items():
                for lig in ligs:
                    parts = (first, *lig.Component)
                    if all(p in gid for p in parts) and lig.LigGlyph in gid:
                        links.ligatures.append((tuple(gid[p] for p in parts), gid[lig.LigGlyph]))
            continue
        for src, dst in pairs:
            if src not in gid or not dst or any(d not in gid for d in dst):
                continue
            if len(dst) > 1:
                if role == "decomposition":
                    links.decompositions.append((gid[src], tuple(gid[d] for d in dst)))
                elif role == "form":  # the first glyph carries the form (the rest: kashida, ..)
                    links.form_edges.append((gid[src], gid[dst[0]], tag))
            elif gid[src] == gid[dst[0]]:
                continue
            elif role == "form":
                links.form_edges.append((gid[src], gid[dst[0]], tag))
            elif role == "alternate" and kind in (1, 8):
                links.alternate_edges.append((gid[src], gid[dst[0]]))
