"""Build the egg that Scrapyd nodes run: the crawler and every package below it, plus its data.

Scrapyd deploys a project as an egg (``addversion.json``). The egg is built with
setuptools' ``bdist_egg`` from a staging copy of the source, so the checkout is
never touched (scrapyd-deploy would write ``setup.py`` and ``build/`` into it),
and its version is a digest of that source: the same code and config always give
the same version, so ``signaal schedule`` uploads only when something changed
(a site YAML, a term list, a lexicon, code) and names the version it schedules.
The egg's Scrapy settings module is :mod:`crawler.fleet.egg_entry`, copied to the
egg's top level as ``signaal_egg``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from signaal.paths import REPO_ROOT

PROJECT = "signaal"
SPIDER = "ads"
# the crawler and what it may import (docs/ARCHITECTURE.md, layers); the UI and developer tools stay out
PACKAGES = ("signaal", "nlp", "models", "indexing", "linking", "retention", "crawler")
DATA_DIRS = ("es_mappings",)
ENTRY_MODULE = "signaal_egg"
ENTRY_SOURCE = Path(__file__).resolve().with_name("egg_entry.py")
SKIP_PARTS = {"__pycache__"}
SKIP_SUFFIXES = {".pyc", ".pyo"}

SETUP_PY = """\
from setuptools import find_packages, setup

setup(
    name="signaal-crawler",
    version="0+{version}",
    packages=find_packages(include=[{packages}]),
    py_modules=["{entry}"],
    package_data={{"": ["*", "**/*"]}},
    data_files={data_files},
    entry_points={{"scrapy": ["settings = {entry}"]}},
    zip_safe=False,
)
"""


class EggBuildError(RuntimeError):
    """setuptools could not build the egg (the message carries its last output line)."""


@dataclass(frozen=True)
class Egg:
    version: str
    path: Path


def source_files(root: Path = REPO_ROOT) -> list[Path]:
    """Every file the egg carries, relative to ``root``, in a stable order."""
    out = []
    for top in (*PACKAGES, *DATA_DIRS):
        for path in sorted((root / top).rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not SKIP_PARTS.intersection(rel.parts) and path.suffix not in SKIP_SUFFIXES:
                out.append(rel)
    return out


def source_version(root: Path = REPO_ROOT) -> str:
    """A digest of every path and byte the egg carries (its entry module is one of them): the version's name."""
    digest = hashlib.sha256()
    for rel in source_files(root):
        digest.update(str(rel).encode() + b"\0" + (root / rel).read_bytes() + b"\0")
    return "r" + digest.hexdigest()[:16]


def _setup_py(version: str, data_files: dict[str, list[str]]) -> str:
    packages = ", ".join(f'"{p}", "{p}.*"' for p in PACKAGES)
    return SETUP_PY.format(
        version=version, packages=packages, entry=ENTRY_MODULE, data_files=sorted(data_files.items())
    )


def build_egg(cache_dir: Path, root: Path = REPO_ROOT) -> Egg:
    """The egg of the current source, built once per version into ``cache_dir``."""
    version = source_version(root)
    target = cache_dir / f"{PROJECT}-{version}.egg"
    if target.is_file():
        return Egg(version, target)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="signaal-egg-") as tmp:
        staging = Path(tmp) / "src"
        data_files: dict[str, list[str]] = {}
        for rel in source_files(root):
            dest = staging / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, dest)
            if rel.parts[0] in DATA_DIRS:
                data_files.setdefault(str(rel.parent), []).append(str(rel))
        shutil.copy2(ENTRY_SOURCE, staging / f"{ENTRY_MODULE}.py")
        (staging / "setup.py").write_text(_setup_py(version, data_files))
        dist = Path(tmp) / "dist"
        proc = subprocess.run(  # noqa: S603 (our interpreter, our arguments)
            [sys.executable, "setup.py", "-q", "bdist_egg", "--dist-dir", str(dist)],
            cwd=staging,
            capture_output=True,
            text=True,
            check=False,
        )
        eggs = sorted(dist.glob("*.egg"))
        if proc.returncode != 0 or not eggs:
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise EggBuildError(f"building the crawler egg failed: {last[0][:300]}")
        tmp_target = target.with_name(f".{target.name}.tmp")
        shutil.copy2(eggs[0], tmp_target)
        tmp_target.replace(target)
    return Egg(version, target)
