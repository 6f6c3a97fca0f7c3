"""The planners' texts of a final evaluation (总体评价, 存在问题, 对策建议), with their history.

Kept in the tracker's database (GeoPackage or PostGIS) through the store base's public API
(:class:`songnan_geo.store.db.Database`: ``read``, ``write``, ``latest_version``, ``now_iso``,
``ensure_tables``), like :mod:`songnan_geo.store.indicators`: every save is a new row
(append-only, enforced by triggers), the current text of (plan, part) is its highest version,
a save names the version it was based on and is refused with
:class:`songnan_geo.store.db.StaleVersionError` when someone else saved meanwhile, and only a
logged-in editor may save (:func:`songnan_geo.auth.require_editor`).
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from songnan_geo import auth
from songnan_geo.plan.evaluation import TEXT_PARTS, PlannerText
from songnan_geo.store.db import StaleVersionError
from songnan_geo.text.error_messages import msg
from songnan_geo.text.messages import LocalisedError

#: Longest text kept for one part (characters).
MAX_TEXT_CHARS = 20_000


class EvaluationTextError(LocalisedError, ValueError):
    """A text that cannot be saved; the message lists every problem."""


def _table_ddl(serial: str) -> str:
    return f"""CREATE TABLE IF NOT EXISTS evaluation_texts (
        seq {serial},
        plan_id TEXT NOT NULL, part TEXT NOT NULL, text TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        recorded_at TEXT NOT NULL, username TEXT NOT NULL,
        UNIQUE (plan_id, part, version))"""


_SQLITE_DDL = [
    _table_ddl("INTEGER PRIMARY KEY AUTOINCREMENT"),
    """CREATE TRIGGER IF NOT EXISTS evaluation_texts_no_update BEFORE UPDATE ON evaluation_texts
       BEGIN SELECT RAISE(ABORT, 'evaluation_texts is append-only: a text row cannot be changed'); END""",
    """CREATE TRIGGER IF NOT EXISTS evaluation_texts_no_delete BEFORE DELETE ON evaluation_texts
       BEGIN SELECT RAISE(ABORT, 'evaluation_texts is append-only: a text row cannot be deleted'); END""",
]
_POSTGRES_DDL = [
    _table_ddl("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    # tracker_refuse() is the tracker store's refusing trigger function
    """CREATE OR REPLACE TRIGGER evaluation_texts_append_only BEFORE UPDATE OR DELETE ON evaluation_texts
       FOR EACH ROW EXECUTE FUNCTION
       tracker_refuse('evaluation_texts is append-only: a text row cannot be changed or deleted')""",
    """CREATE OR REPLACE TRIGGER evaluation_texts_no_truncate BEFORE TRUNCATE ON evaluation_texts
       FOR EACH STATEMENT EXECUTE FUNCTION
       tracker_refuse('evaluation_texts is append-only: it cannot be truncated')""",
]
_COLUMNS = ["seq", "plan_id", "part", "text", "version", "recorded_at", "username"]


class EvaluationStore:
    """The planners' texts of every plan's final evaluation, in the tracker's database."""

    def __init__(self, tracker):
        self.tracker = tracker
        tracker.ensure_tables("songnan_evaluation", _SQLITE_DDL, _POSTGRES_DDL)

    def history(self, plan_id: str) -> pd.DataFrame:
        """Every saved text of ``plan_id`` (oldest first)."""
        with self.tracker.read() as conn:
            rows = conn.execute(text("SELECT * FROM evaluation_texts WHERE plan_id = :p ORDER BY seq"),
                                {"p": plan_id}).mappings().all()
        return pd.DataFrame(rows, columns=_COLUMNS)

    def texts(self, plan_id: str) -> dict[str, PlannerText]:
        """The current text of each part written so far."""
        h = self.history(plan_id)
        out = {}
        for r in h.sort_values("version").groupby("part").tail(1).itertuples():
            out[r.part] = PlannerText(r.part, r.text, r.username, r.recorded_at, int(r.version))
        return out

    def version(self, plan_id: str, part: str) -> int:
        """Current version of a part (0 when nothing was saved yet)."""
        with self.tracker.read() as conn:
            return self._version(conn, plan_id, part)[0]

    def _version(self, conn, plan_id, part):
        return self.tracker.latest_version(conn, "evaluation_texts", {"plan_id": plan_id, "part": part})

    def save(self, plan_id: str, part: str, body: str, *, editor, expected_version: int) -> dict:
        """Save a new version of a part's text in one transaction.

        Raises
        ------
        songnan_geo.auth.EditorRequiredError, EvaluationTextError,
        songnan_geo.store.db.StaleVersionError
        """
        editor = auth.require_editor(editor)
        problems = []
        if part not in TEXT_PARTS:
            problems.append(msg("eval_part_unknown", part=part, parts=list(TEXT_PARTS)))
        body = (body or "").strip()
        if len(body) > MAX_TEXT_CHARS:
            problems.append(msg("eval_text_long", n=len(body), max=MAX_TEXT_CHARS))
        if problems:
            raise EvaluationTextError(msg("eval_problems", problems=problems))
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise TypeError(f"expected_version must be the int version the text is based on "
                            f"(got {expected_version!r}); read it with version(plan_id, part).")
        name = f"{plan_id} {part}"
        try:
            with self.tracker.write() as conn:
                current, who, when = self._version(conn, plan_id, part)
                if current != expected_version:
                    raise StaleVersionError(name, name, expected_version, current, who, when)
                row = dict(plan_id=plan_id, part=part, text=body, version=current + 1,
                           recorded_at=self.tracker.now_iso(), username=editor.username)
                conn.execute(text(
                    "INSERT INTO evaluation_texts (plan_id, part, text, version, recorded_at, "
                    "username) VALUES (:plan_id, :part, :text, :version, :recorded_at, :username)"), row)
                conn.commit_now()
        except IntegrityError:   # another writer took this version first (PostGIS)
            with self.tracker.read() as conn:
                current, who, when = self._version(conn, plan_id, part)
            raise StaleVersionError(name, name, expected_version, current, who, when) from None
        return row
