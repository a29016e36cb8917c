"""The safe Markdown subset of chat messages, rendered once on the server.

markdown-it-py parses CommonMark with raw HTML disabled (so `<script>` stays text), then nh3 keeps only a
short allow-list of tags and attributes and only http(s)/mailto links: whatever a message contains, the result
is inert. Mentions `@Prénom Nom` of salon members are highlighted.
"""

import re

import nh3
from django.utils.html import escape
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable("strikethrough")
# Headings and images are not part of a chat message: rendered as plain text.
_md.disable(["heading", "lheading", "image", "hr"])

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str, mention_names: list[str] | tuple[str, ...] = ()) -> str:
    html = _md.render(text)
    for name in sorted({n for n in mention_names if n}, key=len, reverse=True):
        pattern = re.compile(r"(?<![\w@])@" + re.escape(escape(name)) + r"(?!\w)")
        html = pattern.sub(lambda m: f'<span class="mention">{m.group(0)}</span>', html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties=set(),
    ).strip()


def find_mentions(text: str, candidates: dict[str, int]) -> set[int]:
    """Ids of the candidates (full name -> user id) mentioned as `@Full Name` in the raw text."""
    found = set()
    for name, user_id in candidates.items():
        if name and re.search(r"(?<![\w@])@" + re.escape(name) + r"(?!\w)", text):
            found.add(user_id)
    return found
