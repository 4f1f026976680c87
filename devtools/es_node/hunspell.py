"""Install the Hunspell dictionaries the ``hunspell`` text analysis needs into a node's config.

Elasticsearch's core ``hunspell`` token filter reads ``config/hunspell/<locale>/``
(one ``.aff`` and every ``.dic`` in it). The dictionaries come from Debian's
``hunspell-nl`` and ``hunspell-en-us`` packages (``/usr/share/hunspell``; installed by
scripts/setup.sh); our own additions for a locale
(``es_mappings/analysis/hunspell/<locale>/*.dic``) are copied next to them and merge
with the main dictionary when the node loads it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from signaal.es.analysis import ANALYSIS_DIR, get_variant

SYSTEM_DICTIONARIES = Path("/usr/share/hunspell")
SUPPLEMENTS_DIR = ANALYSIS_DIR / "hunspell"


def install_dictionaries(config_dir: Path, source: Path = SYSTEM_DICTIONARIES) -> list[str]:
    """Copy each needed locale that ``source`` has; returns the locales that are missing there."""
    missing = []
    for locale in get_variant("hunspell").hunspell_locales:
        aff, dic = source / f"{locale}.aff", source / f"{locale}.dic"
        if not (aff.is_file() and dic.is_file()):
            missing.append(locale)
            continue
        dest = config_dir / "hunspell" / locale
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(aff, dest / f"{locale}.aff")  # copyfile follows Debian's nl_NL -> nl symlinks
        shutil.copyfile(dic, dest / f"{locale}.dic")
        for extra in sorted((SUPPLEMENTS_DIR / locale).glob("*.dic")):
            shutil.copyfile(extra, dest / extra.name)
    return missing
