"""Search on both databases over a corpus whose answers are known (see ``corpus.py``)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import delete

from storage.models import Meeting, Transcript, TranscriptSegment, Visibility

from .corpus import build_corpus


@pytest.fixture
def corpus(storage):
    return build_corpus(storage)


def found(storage, corpus, query, **filters) -> list[str]:
    """Names of the meetings a search returns, in result order."""
    names = {meeting_id: name for name, meeting_id in corpus.ids.items()}
    with storage.db.session() as session:
        results = storage.search.search(session, query, **filters)
    return [names[result.meeting_id] for result in results.results]


def test_exact_phrase_finds_only_meetings_where_the_words_are_together(storage, corpus):
    assert sorted(found(storage, corpus, '"bus lane"')) == ["phrase_new", "phrase_old"]


def test_phrase_as_phrase_ranks_above_scattered_words_and_newer_wins_ties(storage, corpus):
    order = found(storage, corpus, "bus lane")
    assert set(order) == {"phrase_new", "phrase_old", "scattered"}
    assert order[-1] == "scattered"


def test_stemming_finds_planned_for_planning_and_jumps_to_the_second(storage, corpus):
    with storage.db.session() as session:
        results = storage.search.search(session, "planning")
    meeting = next(r for r in results.results if r.meeting_id == corpus.ids["phrase_new"])
    hit = next(h for h in meeting.hits if "library" in h.snippet_html)
    assert "<mark>planned</mark>" in hit.snippet_html
    assert hit.url == f"/meetings/{corpus.ids['phrase_new']}?t=30" and hit.kind == "transcript"


def test_exclusion_leaves_out_meetings_mentioning_the_word(storage, corpus):
    assert sorted(found(storage, corpus, "bus -parking")) == ["phrase_old", "scattered"]


def test_or_finds_either_word(storage, corpus):
    assert sorted(found(storage, corpus, "allotment OR cameras")) == ["papers_only", "phrase_old", "scattered"]


def test_committee_and_date_filters_and_date_sort(storage, corpus):
    assert sorted(found(storage, corpus, "bus", committee="transport")) == ["phrase_old", "scattered"]
    assert sorted(found(storage, corpus, "bus", date_from=date(2026, 1, 1))) == ["phrase_new", "scattered"]
    assert found(storage, corpus, "bus", date_to=date(2025, 12, 31)) == ["phrase_old"]
    assert found(storage, corpus, "bus", sort="date") == ["scattered", "phrase_new", "phrase_old"]


def test_private_and_draft_meetings_are_never_returned_and_unpublishing_hides_at_once(storage, corpus):
    assert found(storage, corpus, "secret") == []
    assert found(storage, corpus, "draft") == []
    with storage.db.session() as session:
        session.get(Meeting, corpus.ids["phrase_new"]).visibility = Visibility.PRIVATE
    assert "phrase_new" not in found(storage, corpus, "bus lane")
    with storage.db.session() as session:
        assert storage.search.search_in_meeting(session, corpus.ids["phrase_new"], "bus") == []


def test_corrected_text_is_found_and_the_uncorrected_text_is_gone(storage, corpus):
    segment_id = corpus.segment_ids[("phrase_new", 12.4)]
    with storage.db.session() as session:
        segment = session.get(TranscriptSegment, segment_id)
        segment.original_text, segment.text = segment.text, "The tram route on the high street will be extended."
        segment.corrected = True
        storage.search.index_segment(session, segment_id)
    assert found(storage, corpus, '"tram route"') == ["phrase_new"]
    assert found(storage, corpus, '"bus lane"') == ["phrase_old"]


def test_retranscribed_meeting_forgets_its_old_words(storage, corpus):
    meeting_id = corpus.ids["scattered"]
    with storage.db.session() as session:
        session.execute(delete(TranscriptSegment).where(TranscriptSegment.meeting_id == meeting_id))
        transcript_id = session.get(Meeting, meeting_id).transcript.id
        session.add(TranscriptSegment(transcript_id=transcript_id, meeting_id=meeting_id, position=0, start=4.0,
                                      end=9.0, text="Potholes on Mill Lane were reported.", corrected=False))
        storage.search.index_meeting(session, meeting_id)
    assert found(storage, corpus, "cameras") == ["phrase_old"]
    assert found(storage, corpus, "potholes") == ["scattered"]


def test_removed_meeting_is_not_found(storage, corpus):
    with storage.db.session() as session:
        storage.search.remove_meeting(session, corpus.ids["phrase_old"])
    assert found(storage, corpus, '"bus lane"') == ["phrase_new"]


def test_snippets_escape_html_from_transcripts(storage, corpus):
    with storage.db.session() as session:
        results = storage.search.search(session, "tolled")
    snippet = results.results[0].hits[0].snippet_html
    assert "<mark>tolled</mark>" in snippet
    assert "&lt;script&gt;" in snippet and "<script>" not in snippet


def test_agenda_items_and_papers_make_a_meeting_without_video_findable(storage, corpus):
    meeting_id = corpus.ids["papers_only"]
    with storage.db.session() as session:
        paper = storage.search.search(session, '"waiting list"').results
        agenda = storage.search.search(session, "allotment rents").results
    assert [r.meeting_id for r in paper] == [meeting_id]
    assert [(h.kind, h.url) for h in paper[0].hits] == [("paper", f"/meetings/{meeting_id}/papers/{corpus.paper_id}")]
    assert ("agenda", f"/meetings/{meeting_id}#item-{corpus.agenda_item_id}") in [(h.kind, h.url)
                                                                                 for h in agenda[0].hits]


def test_search_in_meeting_lists_every_match_in_time_order(storage, corpus):
    with storage.db.session() as session:
        hits = storage.search.search_in_meeting(session, corpus.ids["scattered"], "bus OR lane OR cameras")
    assert [h.start for h in hits] == [5.0, 60.0, 95.0]
    assert hits[0].url == f"/meetings/{corpus.ids['scattered']}?t=5"


@pytest.mark.parametrize("query", ['"bus lane', "NEAR(bus, lane)", "bus*", "'; DROP TABLE meetings; --",
                                   "AND OR NOT", '"" - -- OR', "x" * 2000, "bus " * 600, "ünïcödé ñame",
                                   "\ue000bus\ue001", "(((", "col:bus", "^bus"])
def test_anything_typed_is_searched_without_error(storage, corpus, query):
    with storage.db.session() as session:
        results = storage.search.search(session, query)
    assert results.total >= 0 and results.took_ms >= 0
    assert results.results or results.messages


def test_recent_meeting_wins_a_tie(storage, corpus):
    with storage.db.session() as session:
        committee_id = session.get(Meeting, corpus.ids["scattered"]).committee_id
        twins = [Meeting(committee_id=committee_id, title=f"Twin {day}", scheduled_start=datetime(2024, 5, day, 18),
                         visibility=Visibility.PUBLIC) for day in (1, 2)]
        session.add_all(twins)
        session.flush()
        for twin in twins:
            transcript = Transcript(meeting_id=twin.id)
            session.add(transcript)
            session.flush()
            session.add(TranscriptSegment(transcript_id=transcript.id, meeting_id=twin.id, start=5.0, end=9.0,
                                          text="Zebra crossings were discussed."))
            session.flush()
            storage.search.index_meeting(session, twin.id)
        results = storage.search.search(session, "zebra crossings")
    assert [r.title for r in results.results] == ["Twin 2", "Twin 1"]


def test_deleting_a_meeting_outright_leaves_nothing_behind(storage, corpus):
    with storage.db.session() as session:
        session.delete(session.get(Meeting, corpus.ids["phrase_old"]))
    assert found(storage, corpus, '"bus lane"') == ["phrase_new"]
    with storage.db.session() as session:
        assert storage.search.search(session, "enforcement").total == 0


def test_optimizing_the_index_keeps_every_answer(storage, corpus):
    before = found(storage, corpus, "bus lane")
    with storage.db.session() as session:
        storage.search.optimize(session)
    assert found(storage, corpus, "bus lane") == before
    assert found(storage, corpus, '"waiting list"') == ["papers_only"]


def test_agenda_and_papers_are_searchable_only_once_published(storage, corpus):
    with storage.db.session() as session:
        session.get(Meeting, corpus.ids["papers_only"]).agenda_published = False
        storage.search.index_meeting(session, corpus.ids["papers_only"])
    assert found(storage, corpus, "allotment") == []
