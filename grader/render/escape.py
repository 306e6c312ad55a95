"""Learner text made safe for each output format.

Every string a learner's code can influence (exception text, prints, reprs,
counterexamples) reaches a template through one of these, applied by the
template environment to every `{{ ... }}` (jinja2's `finalize`), so no
template can forget it. `Markup` values are already written for their format
(the renderer's own plots and code spans) and pass through unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
"""Characters an XML 1.0 document may not contain (and C0 controls HTML rejects); DEL too."""

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#+!|~&$])")
"""ASCII punctuation with a meaning in GitHub-flavoured markdown (escapable with a backslash)."""

LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def xml_text(value: Any) -> Any:
    """For HTML and XML (then autoescaped): the text without the characters XML 1.0 forbids."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return XML_FORBIDDEN.sub("", value)


def markdown_text(value: Any) -> Any:
    """Inline GFM text that renders as itself: one line, no markup, no HTML, no table cell break."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(value))


def markdown_code(value: str) -> Markup:
    """`value` as an inline GFM code span (outside tables), whatever backticks it holds."""
    text = _one_line(value)
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip(" ") else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def _one_line(value: str) -> str:
    return LINE_BREAKS.sub(" ", XML_FORBIDDEN.sub("", value)).strip()
