"""The project's copy of the plan is the plan: its recorded hash, and the shared original."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from conftest import REPO_ROOT

COPY = REPO_ROOT / "data" / "plan" / "songnan_14th_five_year_plan.txt"
README = REPO_ROOT / "data" / "plan" / "README.md"


def test_the_copy_has_the_hash_its_readme_records():
    recorded = re.search(r"SHA-256: `([0-9a-f]{64})`", README.read_text(encoding="utf-8")).group(1)
    assert hashlib.sha256(COPY.read_bytes()).hexdigest() == recorded


def _shared_original() -> Path | None:
    base = os.environ.get("SONGNAN_SHARED_DIR")
    for root in ([Path(base)] if base else []) + [REPO_ROOT.parent / "shared"]:
        path = root / "plan" / COPY.name
        if path.exists():
            return path
    return None


def test_the_copy_is_identical_to_the_shared_original():
    original = _shared_original()
    if original is None:
        pytest.skip("the shared plan (../shared/plan or SONGNAN_SHARED_DIR) is not on this machine; "
                    "the recorded hash above still pins the copy")
    assert original.read_bytes() == COPY.read_bytes()
