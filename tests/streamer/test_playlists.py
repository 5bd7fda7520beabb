"""Playlists viewers fetch: bounded live windows that keep counting across relay restarts, and whole-meeting VODs."""

from datetime import datetime, timezone

from streamer.playlists import Segment, join_parts, parse_media_playlist, render_media_playlist
from streamer.publisher import LiveWindow

FFMPEG_PLAYLIST = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:7
#EXT-X-MAP:URI="init_0.mp4"
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-28T09:34:42.360+0000
00007.m4s
#EXTINF:1.960000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-28T09:34:44.360+0000
00008.m4s
#EXT-X-ENDLIST
"""


def test_reads_what_ffmpeg_writes():
    playlist = parse_media_playlist(FFMPEG_PLAYLIST)
    assert [s.uri for s in playlist.segments] == ["00007.m4s", "00008.m4s"]
    assert playlist.media_sequence == 7 and playlist.ended
    assert playlist.segments[1].duration == 1.96 and playlist.segments[0].init == "init_0.mp4"
    assert playlist.segments[0].program_date_time == datetime(2026, 11, 28, 9, 34, 42, 360000, tzinfo=timezone.utc)


def test_live_window_stays_bounded_and_counts_across_restarts():
    window = LiveWindow(size=3, target_duration=2)
    expired = []
    for run in range(2):
        for n in range(10):
            expired += window.add(Segment(f"{run}-{n}.ts", 2.0, discontinuity=run == 1 and n == 0))
    text = window.render()
    playlist = parse_media_playlist(text)
    assert [s.uri for s in playlist.segments] == ["1-7.ts", "1-8.ts", "1-9.ts"]  # never grows with the meeting
    assert playlist.media_sequence == 17  # 20 segments so far, the last 3 listed
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:1" in text  # the restart has scrolled out of the window
    assert len(expired) == 14 and expired[0] == "0-0.ts"  # kept twice the window for late viewers, then deleted
    assert "#EXT-X-ENDLIST" not in text and "#EXT-X-ENDLIST" in window.render(ended=True)


def test_window_shows_the_restart_to_players():
    window = LiveWindow(size=4, target_duration=2)
    for uri, restart in [("a.ts", False), ("b.ts", False), ("c.ts", True), ("d.ts", False)]:
        window.add(Segment(uri, 2.0, discontinuity=restart))
    assert window.render().split("b.ts\n", 1)[1].startswith("#EXT-X-DISCONTINUITY\n")


def test_resumed_window_continues_numbering():
    window = LiveWindow(size=3, target_duration=2)
    window.resume(render_media_playlist([Segment("x.ts", 2.0), Segment("y.ts", 2.0)], media_sequence=40,
                                        discontinuity_sequence=2))
    window.add(Segment("z.ts", 2.0, discontinuity=True))
    playlist = parse_media_playlist(window.render())
    assert playlist.media_sequence == 42 and playlist.discontinuity_sequence == 2


def test_vod_joins_parts_with_a_discontinuity_between_them():
    parts = [[Segment("p1/0.ts", 2.0), Segment("p1/1.ts", 1.5)], [Segment("p2/0.ts", 2.0)]]
    text = render_media_playlist(join_parts(parts), ended=True, vod=True)
    assert text.count("#EXT-X-DISCONTINUITY\n") == 1 and "#EXT-X-PLAYLIST-TYPE:VOD" in text
    assert parse_media_playlist(text).duration == 5.5
