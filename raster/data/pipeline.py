"""The training data path: DB rows -> filtered, split, cached, augmented glyph datasets.

Public facade used by ``raster.train`` and friends: :func:`add_data_args`,
:meth:`DataConfig.from_args`, :func:`build_datasets` -> :class:`DataBundle`.

Order of work (all filtering before any image exists): label filters -> seeded sample ->
parse/validate (malformed rows dropped and logged) -> label-count filters -> train/val split
-> label map (``label_to_index.json``) -> optional pre-raster cache of every selected glyph.
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from raster.data.augment import augment_batch
from raster.data.cache import CacheReader, PreRaster, load_or_build
from raster.data.dataset import GlyphDataset
from raster.data.render import NORMALIZATIONS, RasterConfig, render_contours
from raster.data.selection import (
    GlyphTable,
    SelectionConfig,
    label_codepoint,
    label_groups,
    select_glyphs,
    split_train_val,
)

__all__ = [
    "AUGMENT_MODES",
    "CacheReader",
    "GlyphTable",
    "DataBundle",
    "DataConfig",
    "DEFAULT_AUGMENT_MODE",
    "GlyphDataset",
    "RasterConfig",
    "add_data_args",
    "augment_batch",
    "build_datasets",
    "default_mmap_path",
    "render_contours",
    "write_label_map",
]

log = logging.getLogger(__name__)

AUGMENT_MODES = ("dataset", "batch", "gpu", "none")  # gpu: batch's old name, kept as an alias
DEFAULT_AUGMENT_MODE = "batch"  # the flag's default and DataConfig's: augment on the device


#: a :class:`DataConfig` field's type (annotations are strings here) -> the flag's ``type``
_FLAG_TYPES = {"int": int, "float": float, "str": str, "Path": Path, "Path | None": Path}


def _flag(
    group, flag: str, help: str | None = None, aliases: tuple[str, ...] = (), **kwargs
) -> argparse.Action:
    """``flag`` for the :class:`DataConfig` field of the same name (``--val-frac`` ->
    ``val_frac``, or ``dest``): the field's default, ``store_true`` for a bool field, else the
    field's type; ``kwargs`` win. The flags and the config cannot disagree on a default.
    ``aliases``: old spellings that still parse, left out of ``--help`` by
    ``raster.cli.HelpFormatter`` (this module may not import the command layer)."""
    name = kwargs.get("dest", flag[2:].replace("-", "_"))
    spec = next(f for f in fields(DataConfig) if f.name == name)
    if spec.type in ("bool", bool):
        kwargs.setdefault("action", "store_true")
    else:
        kwargs.setdefault("default", spec.default)
        if "choices" not in kwargs and _FLAG_TYPES.get(spec.type):
            kwargs.setdefault("type", _FLAG_TYPES[spec.type])
    action = group.add_argument(flag, *aliases, help=help, **kwargs)
    action.hidden_aliases = aliases
    return action


def _add_selection_args(parser: argparse.ArgumentParser) -> None:
    """The flags that choose a run's glyphs and split them."""
    g = parser.add_argument_group("data selection")
    g.add_argument("--db", type=Path, required=True, help="glyph database (SQLite)")
    _flag(g, "--limit", "seeded random sample of N glyphs; 0 = all")
    _flag(g, "--val-frac", "validation fraction")
    _flag(g, "--seed", "seed of sample, split and augmentation")
    _flag(g, "--min-label-count", "drop labels with fewer glyphs")
    _flag(g, "--drop-singletons", "drop labels with one glyph (= min 2)")
    _flag(
        g,
        "--exclude-shaped",
        "drop labels ending in _shaped and labels on presentation-form codepoints "
        "(U+FB50-FDFF, U+FE70-FEFF)",
    )
    _flag(g, "--label-regex", "keep labels matching (re.search)", type=None)
    _flag(g, "--font-disjoint", "no font in both train and val")
    _flag(g, "--skip-composed", "drop rows with shaping='composed' (when the DB has that column)")


def _add_raster_args(parser: argparse.ArgumentParser) -> None:
    """The flags that turn a glyph into an image."""
    r = parser.add_argument_group("rasterization")
    _flag(r, "--img-size", "image side, a multiple of 16")
    _flag(
        r,
        "--normalization",
        "em: one fixed scale (1.5 em across); fit: per-glyph fit",
        choices=NORMALIZATIONS,
    )


def _add_cache_args(parser: argparse.ArgumentParser) -> None:
    """The pre-raster cache flags (``--pre-raster-*``)."""
    c = parser.add_argument_group("pre-raster cache")
    _flag(c, "--pre-rasterize", "render every selected glyph once")
    _flag(
        c,
        "--pre-raster-dtype",
        "pixel type of the cache: uint8 (4x smaller) or float32",
        choices=("uint8", "float32"),
    )
    _flag(
        c, "--pre-raster-mmap", "keep the cache in a fingerprinted memmap file reused by later runs"
    )
    _flag(
        c,
        "--pre-raster-mmap-path",
        "cache file (default: <db dir>/preraster/<db stem>.<size>px.<norm>.<dtype>.memmap)",
    )
    _flag(c, "--pre-raster-workers", "render processes (0 = this process)")
    _flag(
        c,
        "--pre-raster-stable",
        "also reuse a memmap cache built for a superset of this selection (e.g. --limit 0) "
        "with the same config; images are found by glyph_id and checked by content hash",
        aliases=("--preraster-stable",),  # the user's spelling
        dest="preraster_stable",
    )


def _add_augment_args(parser: argparse.ArgumentParser) -> None:
    """The augmentation flags."""
    a = parser.add_argument_group("augmentation")
    a.add_argument("--no-augment", action="store_true", help="no augmentation")
    _flag(
        a,
        "--augment-mode",
        "batch: on whole batches on the training device (same draws as dataset mode, "
        "and keeps the loop at the bare model's speed; gpu = its old name); dataset: in "
        "__getitem__ (DataLoader workers); none",
        choices=AUGMENT_MODES,
    )
    _flag(a, "--mild-augment", "smaller augmentation ranges")
    _flag(
        a,
        "--augment-warmup",
        "augmentation strength ramps linearly from none to full over this fraction of the "
        "run's progress (its epochs or --time-budget), set at each epoch's start; 0: full "
        "from the first step",
    )
    _flag(
        a,
        "--design-augment",
        "design-variation ranges: stroke weight, slant, width and height (wins over mild)",
    )


def add_data_args(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the data flags (the user's names and defaults) as argument groups."""
    for add in (_add_selection_args, _add_raster_args, _add_cache_args, _add_augment_args):
        add(parser)
    return parser


@dataclass
class DataConfig:
    """Resolved data settings (see :func:`add_data_args` for meanings; its flags' defaults are
    these fields' defaults). Checkpoints store :meth:`to_dict`; :meth:`from_dict` reads it."""

    db: Path
    limit: int = 30000
    val_frac: float = 0.1
    seed: int = 42
    img_size: int = 128
    normalization: str = "em"
    min_label_count: int = 1
    drop_singletons: bool = False
    exclude_shaped: bool = False
    label_regex: str | None = None
    font_disjoint: bool = False
    skip_composed: bool = False
    pre_rasterize: bool = False
    pre_raster_dtype: str = "uint8"
    pre_raster_mmap: bool = False
    pre_raster_mmap_path: Path | None = None
    pre_raster_workers: int = 0
    preraster_stable: bool = False
    augment_mode: str = DEFAULT_AUGMENT_MODE  # resolved: dataset | batch | none
    mild_augment: bool = False
    design_augment: bool = False
    augment_warmup: float = 0.0

    def __post_init__(self) -> None:
        self.db = Path(self.db)
        if self.augment_mode == "gpu":
            self.augment_mode = "batch"
        if self.augment_mode not in ("dataset", "batch", "none"):
            raise ValueError(f"unknown augment mode {self.augment_mode!r}")
        if self.pre_raster_mmap_path is not None:
            self.pre_raster_mmap_path = Path(self.pre_raster_mmap_path)
            self.pre_raster_mmap = True  # a cache path asks for a file cache
        if self.pre_raster_mmap:
            self.pre_rasterize = True  # a memmap cache is a pre-raster cache

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> DataConfig:
        """Build from parsed :func:`add_data_args` flags (``--no-augment`` -> mode none).

        Every field is read from the flag of the same name; a flag missing from ``args`` (a
        parser from an older version) keeps the field's default.
        """
        values = {f.name: getattr(args, f.name) for f in fields(cls) if hasattr(args, f.name)}
        if getattr(args, "no_augment", False):
            values["augment_mode"] = "none"
        return cls(**values)

    @classmethod
    def from_dict(cls, d: dict) -> DataConfig:
        """Inverse of :meth:`to_dict`: ``DataConfig.from_dict(cfg.to_dict()) == cfg``.

        Missing keys take their defaults (a dict written by an older version); unknown keys
        (a newer version) are logged and ignored.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            log.warning("data config: ignoring unknown settings %s", ", ".join(unknown))
        missing = [f.name for f in fields(cls) if f.default is MISSING and f.name not in d]
        if missing:
            raise ValueError(f"data config without {', '.join(missing)}")
        return cls(**{k: v for k, v in d.items() if k in names})

    @property
    def augment(self) -> bool:
        """True unless augmentation is off (``--no-augment`` / ``--augment-mode none``)."""
        return self.augment_mode != "none"

    @property
    def raster(self) -> RasterConfig:
        """The raster config these settings ask for."""
        return RasterConfig(img_size=self.img_size, normalization=self.normalization)

    def selection(self) -> SelectionConfig:
        """The row-selection settings these settings ask for (the fields both share)."""
        shared = [f.name for f in fields(SelectionConfig) if hasattr(self, f.name)]
        return SelectionConfig(**{name: getattr(self, name) for name in shared})

    def to_dict(self) -> dict:
        """JSON-able dict (paths as strings)."""
        d = asdict(self)
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in d.items()}


def default_mmap_path(cfg: DataConfig) -> Path:
    """Where ``--pre-raster-mmap`` keeps its cache when no path is given."""
    name = f"{cfg.db.stem}.{cfg.img_size}px.{cfg.normalization}.{cfg.pre_raster_dtype}.memmap"
    return cfg.db.parent / "preraster" / name


@dataclass
class DataBundle:
    """What :func:`build_datasets` returns.

    Attributes:
        train, val: datasets (val is never augmented).
        label_to_index, index_to_label: the label map (also in ``label_to_index.json``).
        group_of_label: hybrid contrastive group index per label index.
        group_names: group name per group index (joining group or ``cc_<char_class>``).
        info: counts for the log.
        config: the data config; raster: the raster config (store it in checkpoints).
    """

    train: GlyphDataset
    val: GlyphDataset
    label_to_index: dict[str, int]
    index_to_label: list[str]
    group_of_label: list[int]
    group_names: list[str]
    info: dict
    config: DataConfig
    raster: RasterConfig
    cache: PreRaster | None = field(default=None, repr=False)

    @property
    def augment_in_batch(self) -> bool:
        """True when the training loop augments each train batch (:func:`augment_batch`)."""
        return self.config.augment_mode == "batch"


def _label_sort_key(label: str):
    cp = label_codepoint(label)
    return (cp if cp is not None else 1 << 30, label)


def write_label_map(out_dir: str | Path, label_to_index: dict[str, int]) -> Path:
    """Write ``out_dir/label_to_index.json`` (the user's tools read it)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "label_to_index.json"
    path.write_text(json.dumps(label_to_index, indent=1, ensure_ascii=False))
    return path


def _pre_raster(cfg: DataConfig, table, info: dict):
    """``--pre-rasterize``: every selected glyph rendered once (or found in a memmap cache);
    frees the table's outlines, which the cache now stands for."""
    path = None
    if cfg.pre_raster_mmap:
        path = cfg.pre_raster_mmap_path or default_mmap_path(cfg)
    cache = load_or_build(
        table.outlines,
        table.upems,
        table.glyph_ids,
        table.content_keys,
        cfg.raster,
        dtype=cfg.pre_raster_dtype,
        path=path,
        workers=cfg.pre_raster_workers,
        stable=cfg.preraster_stable,
    )
    info["cache_built"] = cache.built
    table.outlines = None  # every image is in the cache now; free the outlines
    return cache


def build_datasets(cfg: DataConfig, out_dir: Path | None = None) -> DataBundle:
    """Select, split, (pre-)rasterize; write ``out_dir/label_to_index.json``.

    Args:
        cfg: data config.
        out_dir: run directory for ``label_to_index.json`` (None: write nothing).

    Returns:
        :class:`DataBundle`. ``bundle.train[i]["image"]`` is the render of
        ``bundle.train.glyph_ids[i]`` and ``bundle.train.labels[i]`` its label, for any
        worker count and cache state.
    """
    table, info = select_glyphs(cfg.selection())
    if len(table) == 0:
        raise ValueError(f"{cfg.db}: no glyph selected (check --limit and the label filters)")
    train_pos, val_pos, split_info = split_train_val(
        table, cfg.val_frac, cfg.seed, cfg.font_disjoint
    )
    info.update(split_info)

    index_to_label = sorted(set(table.labels), key=_label_sort_key)
    label_to_index = {lab: i for i, lab in enumerate(index_to_label)}
    group_of_label, group_names = label_groups(table, index_to_label)
    info["groups"] = len(group_names)
    if out_dir is not None:
        write_label_map(out_dir, label_to_index)

    raster = cfg.raster
    label_idx = np.asarray([label_to_index[lab] for lab in table.labels], np.int64)
    group_idx = np.asarray(group_of_label, np.int64)[label_idx]

    cache = _pre_raster(cfg, table, info) if cfg.pre_rasterize else None
    images = cache.images if cache is not None else None
    rows = cache.rows if cache is not None else np.arange(len(table), dtype=np.int64)
    shrunk = cache.shrunk if cache is not None else None
    info["shrunk_to_fit"] = int(shrunk.sum()) if shrunk is not None else None

    def make(pos: np.ndarray, augment: bool) -> GlyphDataset:
        return GlyphDataset(
            table.subset(pos),
            label_idx[pos],
            group_idx[pos],
            raster,
            images=images,
            rows=rows[pos] if images is not None else None,
            shrunk=None if shrunk is None else shrunk[pos],
            augment=augment,
            mild=cfg.mild_augment,
            design=cfg.design_augment,
            seed=cfg.seed,
        )

    train = make(train_pos, cfg.augment_mode == "dataset")
    val = make(val_pos, False)
    log.info(
        "data: %d train, %d val, %d labels, %d groups, augment %s%s",
        len(train),
        len(val),
        len(index_to_label),
        len(group_names),
        cfg.augment_mode,
        (" (design)" if cfg.design_augment else " (mild)" if cfg.mild_augment else "")
        if cfg.augment_mode != "none"
        else "",
    )
    return DataBundle(
        train=train,
        val=val,
        label_to_index=label_to_index,
        index_to_label=index_to_label,
        group_of_label=group_of_label,
        group_names=group_names,
        info=info,
        config=cfg,
        raster=raster,
        cache=cache,
    )
