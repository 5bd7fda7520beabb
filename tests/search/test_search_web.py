"""The /search page and /api/v1/search, on both databases, over the known corpus."""

from __future__ import annotations

import re

import pytest

from .corpus import build_corpus


@pytest.fixture
def corpus(storage):
    return build_corpus(storage)


def test_search_page_lists_meetings_with_headings_and_links_to_the_second(client, corpus):
    page = client.get("/search?q=bus+lane")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<label for="q">' in html and 'id="q" name="q" value="bus lane"' in html
    assert "3 meetings found" in html and re.search(r"\(\d+\.\d\d seconds\)", html)
    assert html.count('<li class="result">') == 3 and html.count("<h3>") == 3
    assert f'href="/meetings/{corpus.ids["phrase_new"]}?t=12&amp;q=bus%20lane"' in html and "Watch from 0:12" in html
    assert "secret" not in html.lower()


def test_search_page_without_a_query_shows_just_the_form(client, corpus):
    html = client.get("/search").get_data(as_text=True)
    assert '<form class="search-form"' in html and "found" not in html


def test_transcript_html_is_shown_as_text(client, corpus):
    html = client.get("/search?q=tolled").get_data(as_text=True)
    assert "&lt;script&gt;alert" in html and "<script>alert" not in html


@pytest.mark.parametrize("query", ['"bus lane', "NEAR(", "*", "'; DROP TABLE meetings; --", "x" * 2000, "(((",
                                   "-parking", "OR", "%00", "<script>"])
def test_junk_queries_answer_200_with_results_or_a_message(client, corpus, query):
    page = client.get("/search", query_string={"q": query})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="notice"' in html or '<li class="result">' in html
    api = client.get("/api/v1/search", query_string={"q": query})
    assert api.status_code == 200
    body = api.get_json()
    assert body["results"] or body["messages"]


def test_api_shape_matches_the_design(client, corpus):
    body = client.get("/api/v1/search?q=%22bus+lane%22&committee=planning").get_json()
    assert body["total"] == 1 and isinstance(body["took_ms"], float)
    [result] = body["results"]
    assert result["meeting_id"] == corpus.ids["phrase_new"]
    assert result["title"] == "Planning meeting (phrase_new)" and result["committee"] == "Planning"
    assert result["date"] == "2026-01-10"
    [hit] = result["hits"]
    assert hit["start"] == 12.4 and hit["end"] == 20.4 and hit["kind"] == "transcript"
    assert hit["url"] == f"/meetings/{corpus.ids['phrase_new']}?t=12"
    assert "<mark>" in hit["snippet_html"] and "bus" in hit["snippet_html"].lower()


def test_pagination_walks_through_every_meeting_once(client, corpus):
    seen = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/search?q=bus&per_page=1&page={page}").get_json()
        assert body["total"] == 3 and body["pages"] == 3
        seen += [r["meeting_id"] for r in body["results"]]
    assert len(set(seen)) == 3
    html = client.get("/search?q=bus&per_page=1&page=2&sort=date").get_data(as_text=True)
    assert "Page 2 of 3" in html
    assert 'href="/search?q=bus&amp;sort=date&amp;per_page=1&amp;page=1"' in html and 'rel="next"' in html


@pytest.mark.parametrize("args", ["from=2026-13-01", "to=yesterday", "from=2026-02-01&to=2026-01-01", "page=0",
                                  "page=abc", "per_page=500"])
def test_bad_filters_get_a_clear_400(client, corpus, args):
    page = client.get(f"/search?q=bus&{args}")
    assert page.status_code == 400 and "There is a problem" in page.get_data(as_text=True)
    api = client.get(f"/api/v1/search?q=bus&{args}")
    assert api.status_code == 400 and api.get_json()["message"]


def test_search_within_a_meeting_for_the_player(client, corpus):
    body = client.get(f"/api/v1/meetings/{corpus.ids['scattered']}/search?q=bus+OR+lane").get_json()
    assert [hit["start"] for hit in body["hits"]] == [5.0, 95.0]
    assert client.get(f"/api/v1/meetings/{corpus.ids['private']}/search?q=bus").status_code == 404
