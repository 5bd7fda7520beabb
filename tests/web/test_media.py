"""Media served from the blob store: the right content types and caching for players and CDNs, byte ranges for
seeking in the MP4, agenda papers under their own names, a redirect to the bucket when S3 is public, and 404
for everything else: other meetings' media, folders, path tricks."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from storage.models import MeetingStatus, Visibility

MP4 = bytes(range(256)) * 8  # 2048 bytes, each position recognisable


@pytest.fixture
def meeting(archive, storage):
    meeting = archive.meeting(archive.committee(), status=MeetingStatus.LIVE)
    blobs = storage.blobs
    blobs.put_bytes(f"live/{meeting}/master.m3u8", b"#EXTM3U\n")
    blobs.put_bytes(f"live/{meeting}/720p/seg00001.ts", b"G" * 188)
    blobs.put_bytes(f"meetings/{meeting}/vod/index.m3u8", b"#EXTM3U\n#EXT-X-ENDLIST\n")
    blobs.put_bytes(f"meetings/{meeting}/recording/part-0000/seg00001.ts", b"G" * 188)
    blobs.put_bytes(f"meetings/{meeting}/media/meeting.mp4", MP4)
    blobs.put_bytes(f"meetings/{meeting}/captions/transcript.vtt", b"WEBVTT\n")
    blobs.put_bytes("secret.txt", b"not for the public")
    return meeting


CACHING = [
    ("live/{id}/master.m3u8", "application/vnd.apple.mpegurl", "no-cache"),
    ("live/{id}/720p/seg00001.ts", "video/mp2t", "public, max-age=31536000, immutable"),
    ("meetings/{id}/vod/index.m3u8", "application/vnd.apple.mpegurl", "public, max-age=60"),
    ("meetings/{id}/recording/part-0000/seg00001.ts", "video/mp2t", "public, max-age=31536000, immutable"),
    ("meetings/{id}/media/meeting.mp4", "video/mp4", "public, max-age=3600"),
    ("meetings/{id}/captions/transcript.vtt", "text/vtt; charset=utf-8", "public, max-age=60"),
]
RANGES = [
    ("bytes=10-19", 206, "bytes 10-19/2048", MP4[10:20]),
    ("bytes=2000-", 206, "bytes 2000-2047/2048", MP4[2000:]),
    ("bytes=-48", 206, "bytes 2000-2047/2048", MP4[-48:]),
    ("bytes=0-999999", 206, "bytes 0-2047/2048", MP4),
    ("bytes=5000-6000", 416, "bytes */2048", b""),
]
NOT_MEDIA = [
    "/media/meetings/{id}/../../secret.txt", "/media/meetings/{id}/%2e%2e/%2e%2e/secret.txt",
    "/media/meetings/{id}/vod/..%2f..%2f..%2fsecret.txt", "/media/secret.txt", "/media/meetings/{id}",
    "/media/meetings/{id}/", "/media/meetings/{id}/vod", "/media/meetings/{id}/vod/", "/media/live/{id}/",
    "/media/meetings/{id}/vod/missing.ts", "/media/meetings/x/vod/index.m3u8", "/media/other/{id}/x.ts",
    "/media/meetings/{id}/.healthcheck", "/media/meetings/{id}//vod/index.m3u8%00",
    "/media/meetings/99999999999999999999999/vod/index.m3u8",
]


def fetch(client, path, headers=None, method="GET"):
    """Ask the app, and follow a redirect to a signed bucket URL as a player would (on S3, video bytes come
    straight from the bucket after the app has checked the meeting is public). Returns status, headers, body."""
    response = client.open(path, method=method, headers=headers)
    location = response.headers.get("Location", "")
    if response.status_code != 302 or "Signature=" not in location:
        return response.status_code, response.headers, response.data
    assert response.headers["Cache-Control"] == "private, max-age=60"
    try:
        with urllib.request.urlopen(urllib.request.Request(location, headers=headers or {}, method=method)) as remote:
            return remote.status, remote.headers, remote.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_content_types_and_caching(client, meeting):
    for path, content_type, cache in CACHING:
        response = client.get("/media/" + path.format(id=meeting))
        status, headers, _ = fetch(client, "/media/" + path.format(id=meeting))
        assert status == 200, path
        assert headers["Content-Type"] == content_type, path
        if response.status_code == 200:
            assert response.headers["Cache-Control"] == cache, path


def test_byte_ranges_for_seeking_in_the_mp4(client, meeting):
    for header, status, content_range, body in RANGES:
        got_status, headers, data = fetch(client, f"/media/meetings/{meeting}/media/meeting.mp4", {"Range": header})
        assert (got_status, headers.get("Content-Range")) == (status, content_range), header
        if status == 206:
            assert data == body, header


def test_whole_file_and_head_advertise_ranges(client, meeting):
    status, headers, data = fetch(client, f"/media/meetings/{meeting}/media/meeting.mp4")
    assert data == MP4 and headers["Accept-Ranges"] == "bytes"
    status, headers, data = fetch(client, f"/media/meetings/{meeting}/media/meeting.mp4", method="HEAD")
    assert status == 200 and headers["Content-Length"] == "2048" and data == b""


def test_anything_else_is_404_never_a_listing(client, meeting):
    for path in NOT_MEDIA:
        status, _, data = fetch(client, path.format(id=meeting))
        assert status == 404, path
        assert b"not for the public" not in data and b"seg00001" not in data, path


def test_hidden_meetings_media_is_404(client, archive, storage):
    committee = archive.committee()
    for visibility in (Visibility.DRAFT, Visibility.PRIVATE):
        hidden = archive.meeting(committee, visibility=visibility, status=MeetingStatus.LIVE)
        storage.blobs.put_bytes(f"live/{hidden}/master.m3u8", b"#EXTM3U\n")
        storage.blobs.put_bytes(f"meetings/{hidden}/media/meeting.mp4", MP4)
        assert client.get(f"/media/live/{hidden}/master.m3u8").status_code == 404
        assert client.get(f"/media/meetings/{hidden}/media/meeting.mp4").status_code == 404


def test_papers_download_under_their_names_once_the_agenda_is_published(client, archive):
    meeting = archive.meeting(archive.committee(), agenda=[("1", "Budget", None)])
    paper = archive.paper(meeting, "Budget report", b"%PDF-1.4 budget", item_number="1",
                          filename="Budget 2026 – v2.pdf")
    response = client.get(f"/meetings/{meeting}/papers/{paper}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 budget"
    assert response.headers["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''Budget%202026%20%E2%80%93%20v2.pdf" in response.headers["Content-Disposition"]
    assert client.get(f"/meetings/{meeting}/papers/{paper + 1}").status_code == 404
    archive.update(meeting, agenda_published=False)
    assert client.get(f"/meetings/{meeting}/papers/{paper}").status_code == 404
    assert client.get(f"/media/meetings/{meeting}/documents/Budget 2026 – v2.pdf").status_code == 404


def test_public_bucket_urls_are_handed_out_as_redirects(sqlite_env, s3_server_session, monkeypatch):
    """With CHAMBER_S3_PUBLIC_URL set, video bytes come straight from the bucket (or the CDN in front of it)."""
    from archive_builder import Archive

    from archive_web import create_app
    from storage import load_settings, open_storage

    bucket = s3_server_session.create_bucket()
    for key, value in {**s3_server_session.env(), "CHAMBER_STORAGE_URL": f"s3://{bucket}/chamber",
                       "CHAMBER_S3_PUBLIC_URL": "https://cdn.example.org/media"}.items():
        monkeypatch.setenv(key, value)
    storage = open_storage(load_settings())
    try:
        archive = Archive(storage)
        committee = archive.committee()
        public = archive.meeting(committee)
        private = archive.meeting(committee, visibility=Visibility.PRIVATE)
        for meeting in (public, private):
            storage.blobs.put_bytes(f"meetings/{meeting}/media/meeting.mp4", MP4)
        client = create_app(storage=storage).test_client()
        response = client.get(f"/media/meetings/{public}/media/meeting.mp4")
        assert response.status_code == 302
        assert response.headers["Location"] == (
            f"https://cdn.example.org/media/chamber/meetings/{public}/media/meeting.mp4")
        assert client.get(f"/media/meetings/{private}/media/meeting.mp4").status_code == 404
    finally:
        storage.close()
