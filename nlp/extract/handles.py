"""Messaging handles ({platform, handle}) from labels ("SC:", "insta", "telegram") and "@name".

Labels and platforms are data (contacts.yaml). Short labels that are also
ordinary words ("of", "app", "snap") need a separator or a handle-like token
after them, which is how "of" (Dutch "or") stays out of OnlyFans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.extract import Found, SpanSet, overlaps
from nlp.extract._phrases import first_chars, grouped_alternation
from nlp.extract._regex import LiteralGate, required_literals
from nlp.rewrite import View

_HANDLE = r"@?(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,28}[A-Za-z0-9_])?)"
_SEP = r"(?P<sep>[ \t]*[:=>\-–—»→|][ \t]*>?[ \t]*|[ \t]*@|[ \t]+)"


@dataclass(frozen=True)
class HandleRules:
    label_pattern: re.Pattern[str]
    trailing_label: re.Pattern[str]
    label_platform: dict[str, str]
    short: frozenset[str]
    case_sensitive: frozenset[str]
    url_pattern: re.Pattern[str]
    url_platform: dict[str, str]
    not_handles: frozenset[str]
    bare_platform: str
    #: Profile links are rare: the URL pattern runs only on texts that hold one of its domains.
    url_gate: LiteralGate | None = None

    def __post_init__(self) -> None:
        if self.url_gate is None:
            object.__setattr__(self, "url_gate", LiteralGate([required_literals(self.url_pattern.pattern)]))

    @classmethod
    def from_lexicon(cls, lex: dict) -> HandleRules:
        h = lex.get("handles", {})
        case_sensitive = {str(x).lower() for x in h.get("case_sensitive", [])}
        label_platform: dict[str, str] = {}
        short: set[str] = set()
        for group, is_short in ((h.get("platforms", {}), False), (h.get("short", {}), True)):
            for platform, labels in group.items():
                for label in labels:
                    label_platform[str(label).lower()] = platform
                    if is_short:
                        short.add(str(label).lower())
        labels = sorted(label_platform, key=len, reverse=True)
        label_alt = grouped_alternation([(label[0], re.escape(label).replace(r"\ ", r"[ \t]?")) for label in labels])
        label_pattern = re.compile(
            rf"{first_chars(label_platform)}(?<![\w@.])(?P<label>{label_alt})(?![a-z0-9]){_SEP}{_HANDLE}", re.IGNORECASE
        )
        # "@name (telegram)": the label after the handle.
        trailing = re.compile(rf"[ \t]*[(\[][ \t]*(?P<label>{label_alt})[ \t]*[)\]]", re.IGNORECASE)
        urls = {str(k).lower(): v for k, v in h.get("urls", {}).items()}
        url_alt = "|".join(re.escape(u) for u in sorted(urls, key=len, reverse=True))
        url_pattern = re.compile(
            rf"{first_chars(['www', *urls])}(?<![\w.])(?:www\.)?(?P<site>{url_alt})/{_HANDLE}", re.IGNORECASE
        )
        return cls(
            label_pattern,
            trailing,
            label_platform,
            frozenset(short),
            frozenset(case_sensitive),
            url_pattern,
            urls,
            frozenset(str(w).lower() for w in h.get("not_handles", [])),
            str(h.get("bare_at_platform", "unknown")),
        )


_BARE_AT = re.compile(r"@(?<![\w.@]@)(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@])")


def _usable(handle: str, rules: HandleRules) -> bool:
    low = handle.lower()
    if low in rules.not_handles or low in rules.label_platform:
        return False
    # Digits after "WA:" are a phone number (extracted as a phone), not a handle.
    return not handle.replace("-", "").replace(".", "").isdigit()


_BLANKS = re.compile(r"[ \t]+")
_HANDLE_LIKE = re.compile(r"[\d_.]")


def _platform(label: str, rules: HandleRules) -> str | None:
    key = _BLANKS.sub(" ", label.lower())
    return rules.label_platform.get(key) or rules.label_platform.get(key.replace(" ", ""))


def find_handles(view: View, rules: HandleRules, taken: SpanSet) -> list[Found]:
    """Handles with their platform; ``taken`` are source spans already claimed (phones, e-mails)."""
    text = view.text
    found: list[Found] = []
    claimed = SpanSet()

    def add(platform: str, m: re.Match[str], start: int) -> None:
        handle = m.group("handle")
        src = view.to_source(start, m.end("handle"))
        if overlaps(src[0], src[1], taken) or not _usable(handle, rules):
            return
        found.append(Found({"platform": platform, "handle": handle.lower()}, src[0], src[1]))
        at = 1 if text[m.start("handle") - 1 : m.start("handle")] == "@" else 0
        claimed.add(m.start("handle") - at, m.end("handle"))

    for m in rules.label_pattern.finditer(text):
        platform = _platform(m.group("label"), rules)
        if platform is None:
            continue
        label, handle, sep = m.group("label"), m.group("handle"), m.group("sep").strip()
        # Without a separator a short or everyday-word label needs capitals ("IG name") or a
        # handle-like token ("ig name_21"): "of course", "snap it" are prose.
        if not sep and label.lower() in rules.case_sensitive and not label.isupper():
            continue
        if not sep and label.lower() in rules.short and not (_HANDLE_LIKE.search(handle) or label.isupper()):
            # "sc irinaxog" alone on its line is a label and a handle, "snap je het?" is a sentence.
            line_start = m.start() == 0 or text[: m.start()].rstrip(" \t").endswith(("\n", "•", "|"))
            if not (line_start and text[m.end() :].lstrip(" \t")[:1] in ("", "\n")):
                continue
        add(platform, m, m.start())
    for m in rules.url_pattern.finditer(text) if rules.url_gate.possible(text)[0] else ():  # type: ignore[union-attr]
        add(rules.url_platform[m.group("site").lower()], m, m.start())
    for m in _BARE_AT.finditer(text):
        if overlaps(m.start(), m.end(), claimed):
            continue
        after = rules.trailing_label.match(text, m.end())
        platform = _platform(after.group("label"), rules) if after else None
        add(platform or rules.bare_platform, m, m.start())
    return found
