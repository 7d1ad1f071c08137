"""Words of the terminal summaries, in English and Swedish (``--lang``)."""

from __future__ import annotations

from typing import Any

__all__ = ["STATUS_WORDS_SV", "num", "status_word", "t"]

#: what a person's status means, in Swedish (English: measure.cli._common.STATUS_WORDS)
STATUS_WORDS_SV = {
    "ok": "mätta",
    "extreme_min": "lägsta möjliga poäng",
    "extreme_max": "högsta möjliga poäng",
    "too_few_answers": "för få svar",
    "no_answers": "inga svar",
}


def t(lang: str, en: str, sv: str) -> str:
    """``sv`` for a Swedish summary, else ``en``."""
    return sv if lang == "sv" else en


def num(x: Any, fmt: str, lang: str) -> str:
    """``format(x, fmt)`` with a decimal comma in Swedish."""
    text = format(x, fmt)
    return text.replace(".", ",") if lang == "sv" else text


def status_word(status: str, lang: str, english: dict[str, str]) -> str:
    """A person status in words."""
    words = STATUS_WORDS_SV if lang == "sv" else english
    return words.get(status, status)
