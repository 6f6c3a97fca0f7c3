"""Life-circle standards: how far each facility type may be from the residents it serves.

A *standards table* has one row per (standard, facility type) and these columns:

``standard``
    Short id of the standard (``gb50180_2018``, ``sh_15min_2016``, ``custom`` …).
``standard_zh``, ``standard_en``
    Its title in Chinese and English.
``facility_type``
    A value of the facilities layer's ``type`` field, or ``*`` for every type.
``tier_min``
    Life-circle tier in minutes (5, 10 or 15).
``radius_m``
    Service distance in metres (straight-line in the town's metric CRS, or along the
    walking network, depending on the method of the analysis).
``source``
    Where the number comes from. Where it is not certain the text says so (“待核”).
``certain``
    False where the number or the type mapping is our judgement or unchecked.
``note``
    Free text.

The built-in tables live in ``data/standards/`` (read-only, part of the repository).
The planner's own table is saved to ``$SONGNAN_USER_DIR/custom_standards.csv``
(default ``~/.songnan_geo``), never inside the repository. City targets (share of
residents covered by a year) are in ``data/standards/city_targets.csv``.
"""
from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import pandas as pd

from songnan_geo.config import USER_DIR_ENV, user_dir  # noqa: F401  (USER_DIR_ENV: re-exported)
from songnan_geo.text import import_messages
from songnan_geo.text.error_messages import msg, render
from songnan_geo.text.messages import LocalisedError, text_of

#: Folder of the built-in tables (part of the repository).
STANDARDS_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "standards"
BUILTIN_FILE = STANDARDS_DIR / "life_circle_standards.csv"
TARGETS_FILE = STANDARDS_DIR / "city_targets.csv"

#: File name of the planner's custom table in the user folder (songnan_geo.config.user_dir).
CUSTOM_FILE_NAME = "custom_standards.csv"
#: Id of the planner's own standard.
CUSTOM_STANDARD = "custom"

COLUMNS = ["standard", "standard_zh", "standard_en", "facility_type", "tier_min", "radius_m",
           "source", "certain", "note"]
ALL_TYPES = "*"
TIERS = (5, 10, 15)


class StandardsError(LocalisedError, ValueError):
    """A standards table is invalid. ``problems`` lists every problem found, each an
    :class:`songnan_geo.text.error_messages.ErrorMessage`: ``str(exc)`` is English,
    ``exc.text("zh")`` Chinese."""

    def __init__(self, problems: list, arg="table"):
        self.problems = list(problems)
        self.arg = arg
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        """Every problem, one a line, in ``lang`` ('zh' or 'en')."""
        head = render("standards_problems", lang, {"arg": self.arg, "n": len(self.problems)})
        return "\n".join([head] + [f"  - {text_of(p, lang)}" for p in self.problems])




def _custom_dir(directory: str | Path | None = None) -> Path:
    """Folder of the planner's custom table: ``directory``, else :func:`user_dir`."""
    return Path(directory) if directory is not None else user_dir()


def _read(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return validate_standards(df, arg=str(path))


def load_builtin_standards() -> pd.DataFrame:
    """The built-in standards (GB 50180-2018 tiers and the Shanghai guidance)."""
    return _read(BUILTIN_FILE)


def load_custom_standards(directory: str | Path | None = None) -> pd.DataFrame:
    """The planner's saved table (empty, with the columns, when none was saved)."""
    path = _custom_dir(directory) / CUSTOM_FILE_NAME
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in COLUMNS})
    return _read(path)


def load_standards(directory: str | Path | None = None) -> pd.DataFrame:
    """Built-in standards followed by the planner's custom table."""
    custom = load_custom_standards(directory)
    frames = [load_builtin_standards()] + ([custom] if len(custom) else [])
    return pd.concat(frames, ignore_index=True)


_DTYPES = {"standard": object, "standard_zh": object, "standard_en": object,
           "facility_type": object, "tier_min": "int64", "radius_m": "float64",
           "source": object, "certain": bool, "note": object}
_TRUE = {"true", "1", "yes", "是", "y", "t"}
_FALSE = {"false", "0", "no", "否", "n", "f", ""}


def validate_standards(df: pd.DataFrame, arg: str = "table") -> pd.DataFrame:
    """Check a standards table and return it with clean types.

    Collects every problem (missing column, empty standard/type/source, a radius that is
    not a positive number of metres, a tier other than 5/10/15, a duplicated
    (standard, facility_type) pair) and raises one :class:`StandardsError`.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns :data:`COLUMNS` (``note`` and ``certain`` may be missing).
    arg : str
        Name used in the error message (a file path or "table").

    Returns
    -------
    pandas.DataFrame
        Columns in :data:`COLUMNS` order; ``tier_min`` int, ``radius_m`` float (metres),
        ``certain`` bool.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{arg} is a {type(df).__name__}; pass a pandas.DataFrame with the "
                        f"columns {', '.join(COLUMNS)}.")
    df = df.copy()
    for col in ("note", "certain"):
        if col not in df.columns:
            df[col] = "" if col == "note" else "false"
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise StandardsError([msg("standards_missing_columns", missing=missing, columns=COLUMNS)],
                             arg)
    problems = []
    rows = df[COLUMNS].reset_index(drop=True)
    radius, tier, certain = [], [], []
    for i, row in rows.iterrows():
        where = import_messages.msg("feature_row", row=i + 1)
        for col in ("standard", "facility_type", "source"):
            if _blank(row[col]):
                problems.append(msg("standards_empty", where=where, column=col,
                                    hint=msg("standards_source_hint") if col == "source" else ""))
        r = _to_float(row["radius_m"])
        if r is None or not (0 < r <= 10_000):
            problems.append(msg("standards_radius", where=where, value=row["radius_m"]))
        radius.append(r)
        tm = _to_float(row["tier_min"])
        if tm is None or int(tm) != tm or int(tm) not in TIERS:
            problems.append(msg("standards_tier", where=where, value=row["tier_min"]))
            tier.append(0)
        else:
            tier.append(int(tm))
        c = row["certain"]
        if isinstance(c, bool):
            certain.append(c)
        elif str(c).strip().lower() in _TRUE:
            certain.append(True)
        elif str(c).strip().lower() in _FALSE or _blank(c):
            certain.append(False)
        else:
            problems.append(msg("standards_certain", where=where, value=c))
            certain.append(False)
    keys = rows["standard"].astype(str).str.strip() + "|" + rows["facility_type"].astype(str).str.strip()
    for key in sorted(set(keys[keys.duplicated()])):
        std, ftype = key.split("|", 1)
        problems.append(msg("standards_duplicate", standard=std, facility_type=ftype))
    if problems:
        raise StandardsError(problems, arg)
    out = rows.copy()
    for col in ("standard", "standard_zh", "standard_en", "facility_type", "source", "note"):
        out[col] = out[col].map(lambda v: "" if _blank(v) else str(v).strip())
    out["tier_min"] = pd.Series(tier, dtype="int64")
    out["radius_m"] = pd.Series(radius, dtype="float64")
    out["certain"] = pd.Series(certain, dtype=bool)
    return out


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


def _to_float(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def save_custom_standards(df: pd.DataFrame, directory: str | Path | None = None) -> Path:
    """Validate ``df`` and save it as the planner's custom standard.

    Every row's ``standard`` is set to :data:`CUSTOM_STANDARD`. The file is written
    atomically (temporary file, then rename): an invalid table raises
    :class:`StandardsError` and leaves any saved table as it was.

    Parameters
    ----------
    df : pandas.DataFrame
        A standards table (see the module docstring); ``radius_m`` in metres.
    directory : str or Path, optional
        Folder to save in; default :func:`user_dir` (``$SONGNAN_USER_DIR`` or
        ``~/.songnan_geo``). Created if missing.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df is a {type(df).__name__}; pass a pandas.DataFrame.")
    df = df.copy()
    df["standard"] = CUSTOM_STANDARD
    for col, default in (("standard_zh", "自定义标准"), ("standard_en", "Custom standard")):
        if col not in df.columns:
            df[col] = default
        df[col] = df[col].where(~df[col].map(_blank), default)
    clean = validate_standards(df, arg=msg("standards_custom"))
    folder = _custom_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / CUSTOM_FILE_NAME
    fd, tmp = tempfile.mkstemp(prefix=".custom_standards.", suffix=".csv", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            clean.to_csv(fh, index=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def standard_ids(standards: pd.DataFrame) -> list[str]:
    """Standard ids in table order."""
    return list(dict.fromkeys(standards["standard"]))


def standard_title(standards: pd.DataFrame, standard: str, lang: str = "zh") -> str:
    """Title of ``standard`` in ``lang``."""
    rows = standards[standards["standard"] == standard]
    if rows.empty:
        return standard
    return str(rows.iloc[0]["standard_en" if lang == "en" else "standard_zh"] or standard)


def radius_by_type(standards: pd.DataFrame, standard: str, types) -> dict[str, float]:
    """Service distance (metres) of each facility type in ``types`` under ``standard``.

    A ``*`` row applies to every type without a row of its own. Types the standard
    does not cover are left out of the result.

    Raises
    ------
    ValueError
        If ``standard`` is not in the table (the message lists the ones that are).
    """
    rows = standards[standards["standard"] == standard]
    if rows.empty:
        raise ValueError(f"standard '{standard}' is not in the standards table. Valid: "
                         f"{', '.join(standard_ids(standards))}.")
    table = dict(zip(rows["facility_type"], rows["radius_m"].astype(float)))
    out = {}
    for ftype in types:
        if ftype in table:
            out[ftype] = table[ftype]
        elif ALL_TYPES in table:
            out[ftype] = table[ALL_TYPES]
    return out


def custom_template(standards: pd.DataFrame, base: str = "gb50180_2018") -> pd.DataFrame:
    """A starting custom table: the saved custom rows, else a copy of ``base``."""
    custom = standards[standards["standard"] == CUSTOM_STANDARD]
    if len(custom):
        return custom.reset_index(drop=True)
    rows = standards[standards["standard"] == base].copy()
    rows["standard"] = CUSTOM_STANDARD
    rows["standard_zh"], rows["standard_en"] = "自定义标准", "Custom standard"
    rows["source"] = "规划师自定义（复制自 " + base + "）：" + rows["source"]
    return rows.reset_index(drop=True)


def city_targets() -> pd.DataFrame:
    """The city's coverage targets: ``target, year, share (0–1), title_zh, title_en,
    source, certain``."""
    df = pd.read_csv(TARGETS_FILE, dtype={"year": int, "share": float}, keep_default_na=False,
                     encoding="utf-8")
    df["certain"] = df["certain"].astype(str).str.lower().isin(_TRUE)
    return df
