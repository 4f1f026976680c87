"""Messaging handles ({platform, handle}) from labels ("SC:", "insta", "telegram"), links and "@name".

Labels and platforms are data (contacts.yaml). Short labels that are also
ordinary words ("of", "app", "snap") need a separator or a handle-like token
after them, which is how "of" (Dutch "or") stays out of OnlyFans. Profile links
("t.me/name", "instagram.com/name", "tiktok.com/@name") are read first and their
text is not read again as a label's handle. Names spelled out ("j e t t i e _ 0 2",
"v.a.l.e.r.i.a_x", "rosie (dot) blue") are read joined (:mod:`nlp.extract.spelled`),
and a label may also follow the name ("@bo.hgl on snap", "kay_friend (insta)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.extract import Found, SpanSet, overlaps
from nlp.extract._phrases import alternation, first_chars, grouped_alternation
from nlp.extract._regex import LiteralGate, required_literals
from nlp.extract.spelled import SymbolWords, spelled_layer
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
    #: A handle-like word followed by its label ("zeynep.zdm on snap"); "@name" forms use it too.
    word_then_label: re.Pattern[str] | None = None
    symbol_words: SymbolWords | None = None
    #: Profile links are rare: the URL pattern runs only on texts that hold one of its domains.
    url_gate: LiteralGate | None = None
    #: Where a label written after a handle can start: a bracket before a label, and a blank before a
    #: ``label_after`` word and a label (see :func:`_word_then_label_matches`). Two patterns, each
    #: opening with one character class, which ``re`` finds in C.
    trailing_starts: tuple[re.Pattern[str], ...] = ()

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
        fillers = h.get("label_fillers", [])
        filler = rf"(?:[ \t]+(?:{alternation(fillers)})(?![\w]))?" if fillers else ""
        label_pattern = re.compile(
            rf"{first_chars(label_platform)}(?<![\w@.])(?P<label>{label_alt})(?![a-z0-9]){filler}{_SEP}{_HANDLE}",
            re.IGNORECASE,
        )
        # "@name (telegram)", "@name on snap": the label after the handle.
        after = h.get("label_after", [])
        after_words = rf"|[ \t]+(?:{alternation(after)})[ \t]+(?P<label2>{label_alt})(?![\w])" if after else ""
        trailing = re.compile(rf"[ \t]*[(\[][ \t]*(?P<label>{label_alt})[ \t]*[)\]]{after_words}", re.IGNORECASE)
        # A label's words may be written after the name, "label" groups renamed so the pattern compiles.
        later = trailing.pattern.replace("?P<label>", "?:").replace("?P<label2>", "?:")
        word_then_label = re.compile(
            rf"(?<![\w@.])(?P<handle>[A-Za-z0-9_]+[._][A-Za-z0-9_.]*[A-Za-z0-9_])(?={later})", re.IGNORECASE
        )
        trailing_starts = [rf"[(\[](?=[ \t]*(?:{label_alt})[ \t]*[)\]])"]
        if after:
            trailing_starts.append(rf"[ \t](?=(?:{alternation(after)})[ \t]+(?:{label_alt})(?![\w]))")
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
            word_then_label,
            SymbolWords.from_lexicon(h.get("symbol_words", {})),
            trailing_starts=tuple(re.compile(p, re.IGNORECASE) for p in trailing_starts),
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
    spelled = spelled_layer(view.text, rules.symbol_words)
    if not spelled.identity:
        view = View([*view.layers, spelled])
    text = view.text
    found: list[Found] = []
    claimed = SpanSet()  # view spans read already: a link's text is not a label's handle too

    def add(platform: str, m: re.Match[str], start: int) -> None:
        handle = m.group("handle")
        claimed.add(start, m.end("handle"))
        src = view.to_source(start, m.end("handle"))
        if overlaps(src[0], src[1], taken) or not _usable(handle, rules):
            return
        found.append(Found({"platform": platform, "handle": handle.lower()}, src[0], src[1]))

    for m in rules.url_pattern.finditer(text) if rules.url_gate.possible(text)[0] else ():  # type: ignore[union-attr]
        add(rules.url_platform[m.group("site").lower()], m, m.start())
    for m in _label_matches(text, rules):
        if not overlaps(m.start("handle"), m.end("handle"), claimed):
            add(_platform(m.group("label"), rules), m, m.start())  # type: ignore[arg-type]
    for m in _BARE_AT.finditer(text):
        if overlaps(m.start(), m.end(), claimed):
            continue
        platform = _trailing_platform(text, m.end(), rules)
        add(platform or rules.bare_platform, m, m.start())
    if rules.word_then_label is not None:
        for m in _word_then_label_matches(text, rules):
            if overlaps(m.start(), m.end(), claimed):
                continue
            platform = _trailing_platform(text, m.end(), rules)
            if platform is not None:
                add(platform, m, m.start())
    return found


#: A character of a ``word_then_label`` handle, as that pattern reads it (case-insensitive, so also the
#: non-ASCII letters ``re`` equates with an ASCII one).
_HANDLE_CHAR = re.compile(r"[A-Za-z0-9_.]", re.IGNORECASE)


def _word_then_label_matches(text: str, rules: HandleRules) -> list[re.Match[str]]:
    """``rules.word_then_label.finditer(text)``, found from the labels after the handles.

    That pattern starts at every word, but matches only where a label follows ("(telegram)", "on
    snap"), and then its handle is the whole run of handle characters before the label's blanks (a
    handle never starts inside such a run: its look-behind refuses a letter, digit or dot before
    it). So the run before each place a label can start is matched, once (the test compares both).
    """
    if not rules.trailing_starts:
        return list(rules.word_then_label.finditer(text))  # type: ignore[union-attr]
    found = []
    tried: set[int] = set()
    for end in sorted(m.start() for pattern in rules.trailing_starts for m in pattern.finditer(text)):
        while end > 0 and text[end - 1] in " \t":
            end -= 1
        start = end
        while start > 0 and _HANDLE_CHAR.match(text, start - 1):
            start -= 1
        if start == end or start in tried:
            continue
        tried.add(start)
        if (m := rules.word_then_label.match(text, start)) is not None:  # type: ignore[union-attr]
            found.append(m)
    return found


def _trailing_platform(text: str, end: int, rules: HandleRules) -> str | None:
    """The platform of a label written right after a handle ending at ``end`` ("(telegram)", "on snap")."""
    after = rules.trailing_label.match(text, end)
    if after is None:
        return None
    groups = after.groupdict()
    return _platform(groups.get("label") or groups.get("label2") or "", rules)


def _label_matches(text: str, rules: HandleRules) -> list[re.Match[str]]:
    """Label + handle matches that pass the label's rules, searched so a refused one hides none after it.

    ``finditer`` would resume after a refused match ("of insta @amira": "of" is refused as
    OnlyFans, and "insta @amira" would be skipped with it); this resumes one character on.
    """
    out = []
    pos = 0
    while (m := rules.label_pattern.search(text, pos)) is not None:
        if _label_ok(m, text, rules):
            out.append(m)
            pos = m.end()
        else:
            pos = m.start() + 1
    return out


def _label_ok(m: re.Match[str], text: str, rules: HandleRules) -> bool:
    platform = _platform(m.group("label"), rules)
    if platform is None:
        return False
    label, handle, sep = m.group("label"), m.group("handle"), m.group("sep").strip()
    # Without a separator a short or everyday-word label needs capitals ("IG name") or a
    # handle-like token ("ig name_21"): "of course", "snap it" are prose.
    if not sep and label.lower() in rules.case_sensitive and (not label.isupper() or _shouted(text, m.start())):
        return False  # "koffie of thee", and "SHOPPING INSTEAD OF CASH" (capitals all along) are prose
    handle_like = _HANDLE_LIKE.search(handle) is not None
    if not sep and label.lower() in rules.short and not (handle_like or label.isupper()):
        # "sc irinaxog" alone on its line is a label and a handle, "snap je het?" is a sentence.
        line_start = m.start() == 0 or text[: m.start()].rstrip(" \t").endswith(("\n", "•", "|"))
        if not (line_start and text[m.end() :].lstrip(" \t")[:1] in ("", "\n")):
            return False
    # "WhatsApp her sister", "Telegram-kanaal voor ...": a plain word after a blank or a dash that
    # more words follow is prose; a handle ends its phrase.
    return not (sep in ("", "-") and not handle_like and _PROSE_AFTER.match(text, m.end()))


_PROSE_AFTER = re.compile(r"[ \t]+[^\W\d_]")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[ \t]+$")


def _shouted(text: str, start: int) -> bool:
    """True when the word before ``start`` is written in capitals too (a sentence in capitals)."""
    m = _WORD_BEFORE.search(text, max(0, start - 40), start)
    return m is not None and m.group(1).isupper() and len(m.group(1)) > 1
