"""The blob store, on a local folder and on a real S3 server."""

import os

import pytest

from storage.blobs import BlobNotFound, BlobStoreError, InvalidKey, LocalBlobStore, S3BlobStore


def test_put_get_list_delete(storage):
    blobs = storage.blobs
    blobs.put_bytes("meetings/1/captions/transcript.vtt", b"WEBVTT\n\n")
    blobs.put_bytes("meetings/1/media/meeting.mp4", b"\x00" * 10)
    blobs.put_bytes("meetings/2/media/meeting.mp4", b"other")
    assert blobs.get_bytes("meetings/1/captions/transcript.vtt") == b"WEBVTT\n\n"
    assert blobs.list("meetings/1/") == ["meetings/1/captions/transcript.vtt", "meetings/1/media/meeting.mp4"]
    assert blobs.size("meetings/1/media/meeting.mp4") == 10
    assert blobs.delete_prefix("meetings/1/") == 2
    assert blobs.list("meetings/") == ["meetings/2/media/meeting.mp4"]
    assert not blobs.exists("meetings/1/media/meeting.mp4")
    with pytest.raises(BlobNotFound):
        blobs.get_bytes("meetings/1/media/meeting.mp4")


def test_large_object_round_trips_with_range_reads(storage, tmp_path):
    data = os.urandom(50 * 1024 * 1024)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    storage.blobs.put_file("meetings/9/media/meeting.mp4", source)
    assert storage.blobs.size("meetings/9/media/meeting.mp4") == len(data)
    assert storage.blobs.get_range("meetings/9/media/meeting.mp4", 0, 99) == data[:100]
    middle = 30 * 1024 * 1024 + 7
    assert storage.blobs.get_range("meetings/9/media/meeting.mp4", middle, middle + 4095) == data[middle:middle + 4096]
    copy = storage.blobs.download("meetings/9/media/meeting.mp4", tmp_path / "copy.bin")
    assert copy.read_bytes() == data


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/path", "meetings/../../x", "", "a\\b"])
def test_keys_that_could_escape_the_store_are_refused(tmp_path, key):
    store = LocalBlobStore(tmp_path / "blobs")
    with pytest.raises(InvalidKey):
        store.put_bytes(key, b"x")


def test_local_writes_are_atomic(tmp_path):
    """A failed write leaves the previous blob intact and no partial file behind."""
    store = LocalBlobStore(tmp_path / "blobs")
    store.put_bytes("live/1/index.m3u8", b"#EXTM3U\nold\n")

    class Exploding:
        def read(self, _size=-1):
            raise OSError("disk went away")

    with pytest.raises(OSError):
        store.put_stream("live/1/index.m3u8", Exploding())
    assert store.get_bytes("live/1/index.m3u8") == b"#EXTM3U\nold\n"
    assert [p.name for p in (tmp_path / "blobs/live/1").iterdir()] == ["index.m3u8"]


def test_s3_server_down_gives_a_clear_error(monkeypatch):
    from servers import free_port

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    store = S3BlobStore("bucket", endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(BlobStoreError, match="cannot reach the S3 server"):
        store.check()
    with pytest.raises(BlobStoreError, match="cannot reach"):
        store.put_bytes("a/b", b"x")


def test_s3_wrong_credentials_give_a_clear_error(s3_server_session, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "not-a-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    bucket = s3_server_session.create_bucket()
    store = S3BlobStore(bucket, endpoint_url=s3_server_session.endpoint)
    with pytest.raises(BlobStoreError, match="refused the credentials"):
        store.put_bytes("a/b", b"x")
