"""The query language: what a resident types becomes a safe tree, whatever they type."""

from storage.search.query import MAX_TERMS, Term, parse_query, to_fts5, to_tsquery


def words(*groups):
    return tuple(tuple(Term(tuple(t.split())) for t in group) for group in groups)


def test_words_phrases_exclusions_and_or():
    query = parse_query('bus "high street" -parking cycling OR walking')
    assert query.groups == words(["bus"], ["high street"], ["cycling", "walking"])
    assert query.excluded == (Term(("parking",)),)
    assert to_fts5(query) == '("bus" AND "high street" AND ("cycling" OR "walking")) NOT "parking"'
    assert to_tsquery(query) == ("((('bus')) & (('high' <-> 'street')) & (('cycling') | ('walking'))) "
                                 "& !(('parking'))")


def test_unclosed_quote_and_operators_become_plain_words():
    assert parse_query('"bus lane').groups == words(["bus"], ["lane"])
    assert parse_query("NEAR(bus* lane)").groups == words(["near"], ["bus"], ["lane"])
    assert parse_query("e-mail").groups == words(["e mail"])


def test_sql_and_fts_syntax_never_reach_the_database_as_written():
    rendered = to_fts5(parse_query("'; DROP TABLE meetings; -- col:bus ^x"))
    assert rendered == '"drop" AND "table" AND "meetings" AND "col" AND "bus" AND "x"'


def test_long_input_is_cut_with_a_notice():
    query = parse_query("word " * 1000)
    assert len(query.positive_terms) == 1  # the same word, once
    query = parse_query(" ".join(f"w{i}" for i in range(100)))
    assert len(query.positive_terms) == MAX_TERMS and query.notices


def test_only_exclusions_asks_for_a_word():
    query = parse_query("-parking")
    assert query.is_empty and "Add a word" in query.notices[0]


def test_unquoted_words_suggest_their_phrase_for_ranking():
    assert parse_query("bus lane").adjacency_phrase == Term(("bus", "lane"))
    assert parse_query("bus OR lane").adjacency_phrase is None
