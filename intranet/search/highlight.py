"""Snippets for search results: a window of plain text around the first match, escaped first, then the
matching words wrapped in <mark>. Matching folds accents and case and ignores common French endings, so that
the words the database stemmed (« congés » → « congé ») are marked too."""

import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from intranet.people.queries import fold

WORD = re.compile(r"\w+")
_ENDINGS = (
    "ements",
    "ement",
    "ations",
    "ation",
    "euses",
    "euse",
    "eurs",
    "eur",
    "ees",
    "es",
    "ee",
    "e",
    "s",
    "x",
)


def stem(term: str) -> str:
    """A crude French stem of a folded term: enough to mark « congé » for « congés » or « réservation » for
    « réserver »; never shorter than three letters."""
    for ending in _ENDINGS:
        if term.endswith(ending) and len(term) - len(ending) >= 3:
            return term[: -len(ending)]
    return term


def stems(query: str) -> list[str]:
    return sorted({stem(fold(w)) for w in WORD.findall(query) if len(w) >= 2}, key=len, reverse=True)


_fold = lru_cache(maxsize=8192)(fold)  # snippets fold the same few thousand words over and over


def _matches(word: str, query_stems: list[str]) -> bool:
    folded = _fold(word)
    return any(folded.startswith(s) if len(s) >= 3 else folded == s for s in query_stems)


# The search backend indexes a StreamField as its blocks' texts joined with « , », empty blocks included
# (« Fin., , Suite »): a join right after a sentence's end, and runs of empty items, are not the author's.
_EMPTY_ITEMS = re.compile(r"(?:\s*,)+\s*,")
_JOIN_AFTER_SENTENCE = re.compile(r"([.!?…:;])\s*,(?=\s|$)")


def index_text(text: str) -> str:
    """The indexed text of a page as a reader expects it: no « ., » nor « , , » left by the index's joins."""
    text = " ".join((text or "").split())
    text = _EMPTY_ITEMS.sub(",", text)
    text = _JOIN_AFTER_SENTENCE.sub(r"\1", text)
    return text.strip(" ,")


def excerpt(text: str, query_stems: list[str], width: int = 220) -> str:
    """About `width` characters of `text` around its first matching word, cut at word boundaries."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    start = 0
    for match in WORD.finditer(text):
        if _matches(match.group(), query_stems):
            start = max(0, match.start() - width // 3)
            break
    end = min(len(text), start + width)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < end else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return ("… " if start > 0 else "") + text[start:end] + (" …" if end < len(text) else "")


def highlight(text: str, query_stems: list[str]) -> SafeString:
    """`text` escaped, with each matching word in <mark>."""
    out, last = [], 0
    for match in WORD.finditer(text or ""):
        if _matches(match.group(), query_stems):
            out.append(escape(text[last : match.start()]))
            out.append(f"<mark>{escape(match.group())}</mark>")
            last = match.end()
    out.append(escape((text or "")[last:]))
    return mark_safe("".join(out))  # noqa: S308  (every piece above is escaped)
