"""Safe links in the built site: only http, https and mailto URLs (or links within the site) are clickable.

Guideline text (a `because`, a citation, a summary) and a reference's `url` come from authors; a
`javascript:` or `data:` link in them would run in a reader's browser on a click. `text` escapes a
guideline's words so Markdown cannot turn them into links or HTML; `url` checks a URL for a Markdown
link; `neutralise` removes any unsafe `href`/`src` left in the HTML of a page, whatever wrote it.

>>> url("javascript:alert(1)") is None, url(" JaVa\\tScript:alert(1)") is None, url("https://doi.org/10.1/x (1)"), url("https://a/b)(")
(True, True, 'https://doi.org/10.1/x%20(1)', 'https://a/b%29%28')
>>> neutralise('<a href="javascript:alert(1)">x</a> <a href="../2.0.0/#top">y</a>')
'<a>x</a> <a href="../2.0.0/#top">y</a>'
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_ATTRIBUTE = re.compile(r"""\s(href|src|xlink:href|action|formaction)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_MARKDOWN = re.compile(r"([\\`*_\[\]!])")


def is_safe(target: str) -> bool:
    """True for a URL with a safe scheme, or one without a scheme (a path or anchor within the site)."""
    plain = _CONTROL.sub("", html.unescape(target))
    scheme = _SCHEME.match(plain)
    return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES


def url(target: str) -> str | None:
    """`target` ready for a Markdown link `[text](…)`, or None when its scheme is not allowed."""
    target = target.strip()
    if not is_safe(target) or _SCHEME.match(target) is None:
        return None
    return quote(target, safe="/:?#[]@!$&'*+,;=%~-._" + ("()" if _balanced(target) else ""))


def _balanced(target: str) -> bool:
    """Parentheses that open before they close and all close (Markdown keeps them inside a link)."""
    depth = 0
    for char in target:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def text(words: object) -> str:
    """Author's text inside Markdown: HTML escaped, and no character that starts a link, image or code."""
    return _MARKDOWN.sub(r"\\\1", html.escape(str(words), quote=False))


def neutralise(page: str) -> str:
    """The HTML of a page with every link or source whose URL has an unsafe scheme removed."""
    def check(match: re.Match[str]) -> str:
        value = match.group(2).strip("\"'")
        return match.group(0) if is_safe(value) else ""
    return _ATTRIBUTE.sub(check, page)
