"""What a resident typed, parsed into a small safe tree, and that tree written out for each database.

The query language is deliberately small: plain words (stemmed by the database), "exact phrases", ``-excluded``
words and ``OR`` between two terms. Everything else a person might type - an unclosed quote, ``NEAR(``, ``*``,
SQL, a pasted page of text - is read as plain words, so a search never fails because of its syntax. User text
never reaches ``MATCH`` or ``to_tsquery`` as written: only the alphanumeric words pulled out here do, each quoted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 500
MAX_TERMS = 12
MAX_WORD_CHARS = 60

_WORD = re.compile(r"[^\W_]+")
# A chunk like "e-mail" or "council's" is one spoken thing: its words are kept together as a phrase.
_JOINED_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)+")
_QUOTED = re.compile(r'(-?)"([^"]*)("|$)')

# PostgreSQL's English stop words. A word on its own from this list matches nearly every moment of every meeting,
# so it is left out on both databases (inside a "phrase" it still counts).
STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it
its itself they them their theirs themselves what which who whom this that these those am is are was were be been
being have has had having do does did doing a an the and but if or because as until while of at by for with about
against between into through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some such no nor not only
own same so than too very s t can will just don should now""".split())


@dataclass(frozen=True)
class Term:
    """One word, or several words that must appear together in this order (a phrase)."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class Query:
    """All of ``groups`` must match (each group is satisfied by any one of its terms); none of ``excluded`` may."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def positive_terms(self) -> list[Term]:
        return [term for group in self.groups for term in group]

    @property
    def adjacency_phrase(self) -> Term | None:
        """For ``bus lane`` typed without quotes, the phrase "bus lane": meetings where the words sit together
        should rank above meetings where they are scattered."""
        if len(self.groups) < 2 or any(len(group) > 1 for group in self.groups):
            return None
        words = tuple(word for group in self.groups for word in group[0].words)
        return Term(words) if len(words) <= MAX_TERMS else None


    @property
    def ranked_terms(self) -> list[Term]:
        """The terms to find moments by, the adjacency phrase first when there is one."""
        phrase = self.adjacency_phrase
        return [phrase, *self.positive_terms] if phrase else self.positive_terms


def _words(text: str) -> list[str]:
    return [word[:MAX_WORD_CHARS] for word in _WORD.findall(text.lower())]


def _chunk_terms(chunk: str) -> list[Term]:
    """A whitespace-free chunk: "e-mail" is the phrase "e mail"; junk like ``NEAR(bus*`` is the words it holds."""
    if _JOINED_WORD.fullmatch(chunk):
        return [Term(tuple(_words(chunk)))]
    return [Term((word,)) for word in _words(chunk)]


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split into (kind, value): ("phrase"|"-phrase", words) for closed quotes, ("chunk", text) otherwise.

    A quote left open is dropped and what follows it is read as plain words.
    """
    tokens: list[tuple[str, str]] = []
    position = 0
    for match in _QUOTED.finditer(text):
        tokens.extend(("chunk", chunk) for chunk in text[position:match.start()].split())
        negated, inner, closing = match.groups()
        if closing:
            tokens.append(("-phrase" if negated else "phrase", inner))
        else:
            tokens.extend(("chunk", chunk) for chunk in inner.split())
        position = match.end()
    tokens.extend(("chunk", chunk) for chunk in text[position:].split())
    return tokens


def parse_query(text: str) -> Query:
    """Parse what a resident typed. Never raises: anything unexpected becomes plain words or a notice."""
    notices: list[str] = []
    text = unicodedata.normalize("NFKC", text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notices.append(f"Your search was long, so only its first {MAX_QUERY_CHARS} characters were used.")

    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False  # the previous token was OR
    for kind, value in _tokens(text):
        if kind == "chunk" and value == "OR":
            join_next = bool(groups)
            continue
        if kind == "chunk" and value == "AND":
            continue
        if kind == "-phrase" or (kind == "chunk" and value.startswith("-") and len(value) > 1):
            words = tuple(_words(value))
            if words:
                excluded.append(Term(words))
            join_next = False
            continue
        terms = [Term(tuple(_words(value)))] if kind == "phrase" else _chunk_terms(value)
        terms = [term for term in terms if term.words]
        for index, term in enumerate(terms):
            if join_next and index == 0:
                groups[-1].append(term)
            else:
                groups.append([term])
        if terms:
            join_next = False

    groups, excluded, common = _without_stop_words(groups, excluded)
    if common:
        quoted = ", ".join(f"“{word}”" for word in common)
        notices.append(f"Very common words ({quoted}) were left out; put them in quotes with other words to "
                       "search for a phrase.")
    groups = [list(group) for group in dict.fromkeys(tuple(dict.fromkeys(group)) for group in groups)]
    excluded = list(dict.fromkeys(excluded))
    count = sum(len(group) for group in groups) + len(excluded)
    if count > MAX_TERMS:
        notices.append(f"Only the first {MAX_TERMS} words or phrases of your search were used.")
        groups, excluded = _first_terms(groups, excluded, MAX_TERMS)
    if not groups and excluded:
        notices.append("Add a word to search for as well as the words to leave out.")
        excluded = []
    if not groups and not notices and text:
        notices.append("Type one or more words to search for.")
    return Query(tuple(tuple(group) for group in groups), tuple(excluded), tuple(notices))


def _is_stop_word(term: Term) -> bool:
    return len(term.words) == 1 and term.words[0] in STOP_WORDS


def _without_stop_words(groups: list[list[Term]], excluded: list[Term]):
    common = list(dict.fromkeys(term.words[0] for group in groups for term in group if _is_stop_word(term)))
    groups = [kept for kept in ([t for t in group if not _is_stop_word(t)] for group in groups) if kept]
    return groups, [term for term in excluded if not _is_stop_word(term)], common


def _first_terms(groups: list[list[Term]], excluded: list[Term], limit: int):
    kept: list[list[Term]] = []
    for group in groups:
        room = limit - sum(len(g) for g in kept)
        if room <= 0:
            break
        kept.append(group[:room])
    room = limit - sum(len(g) for g in kept)
    return kept, excluded[:max(room, 0)]


# --- SQLite FTS5 -------------------------------------------------------------------------------------------

def _fts5_term(term: Term) -> str:
    # Words are alphanumeric only, so wrapping them in double quotes makes an FTS5 string with nothing to escape.
    return '"' + " ".join(term.words) + '"'


def _fts5_any(terms: list[Term]) -> str:
    rendered = [_fts5_term(term) for term in terms]
    return rendered[0] if len(rendered) == 1 else "(" + " OR ".join(rendered) + ")"


def to_fts5(query: Query) -> str:
    """The whole query as an FTS5 MATCH expression."""
    positive = " AND ".join(_fts5_any(list(group)) for group in query.groups)
    if query.excluded:
        return f"({positive}) NOT {_fts5_any(list(query.excluded))}"
    return positive


def to_fts5_any(terms: list[Term]) -> str:
    """Any one of ``terms``: used to find the moments inside a meeting that already matched as a whole."""
    return _fts5_any(terms)


# --- PostgreSQL to_tsquery ------------------------------------------------------------------------------------

def _tsquery_term(term: Term) -> str:
    # Single-quoted lexemes of alphanumeric words: to_tsquery stems them and drops stop words itself.
    return "(" + " <-> ".join(f"'{word}'" for word in term.words) + ")"


def to_tsquery(query: Query) -> str:
    """The whole query as text for ``to_tsquery('english', ...)``."""
    positive = " & ".join(f"({to_tsquery_any(list(group))})" for group in query.groups)
    if query.excluded:
        return f"({positive}) & !({to_tsquery_any(list(query.excluded))})"
    return positive


def to_tsquery_any(terms: list[Term]) -> str:
    """Any one of ``terms`` as text for ``to_tsquery('english', ...)``."""
    return " | ".join(_tsquery_term(term) for term in terms)
