"""The blob store: recordings, HLS playlists and segments, MP4 downloads, captions and agenda papers.

One interface, two implementations. ``LocalBlobStore`` keeps blobs in a folder and writes atomically (temporary
file + rename) so that a reader, or a crash, never sees half a file. ``S3BlobStore`` talks to any S3 server
through boto3 and uploads large files in parts.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterator
from urllib.parse import urlparse

CHUNK_SIZE = 1024 * 1024
MULTIPART_THRESHOLD = 16 * 1024 * 1024

_EXTRA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
}


class BlobStoreError(RuntimeError):
    """The store cannot be used (unreachable, wrong credentials, no such bucket); the message says what to check."""


class BlobNotFound(KeyError):
    """No blob at that key."""


class InvalidKey(ValueError):
    """A key that could escape the store (``..``, absolute paths) or is empty."""


def content_type_for(key: str) -> str:
    suffix = PurePosixPath(key).suffix.lower()
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def check_key(key: str) -> str:
    """Normalise a key and refuse anything that is not a plain relative path."""
    if not key or "\x00" in key or "\\" in key:
        raise InvalidKey(f"invalid blob key {key!r}")
    parts = PurePosixPath(key).parts
    if key.startswith("/") or any(part in ("..", ".") for part in parts):
        raise InvalidKey(f"invalid blob key {key!r}")
    return "/".join(parts)


class BlobStore(ABC):
    """What every store offers. Keys are ``/``-separated relative paths such as ``meetings/12/media/meeting.mp4``."""

    @abstractmethod
    def put_file(self, key: str, path: str | Path, content_type: str | None = None) -> None: ...

    @abstractmethod
    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> None: ...

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        import io

        self.put_stream(key, io.BytesIO(data), content_type)

    @abstractmethod
    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Yield the blob's bytes from ``start`` to ``end`` inclusive (the whole blob by default), in chunks."""

    def get_bytes(self, key: str) -> bytes:
        return b"".join(self.open(key))

    def get_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``start``..``end`` inclusive, as in an HTTP Range header."""
        return b"".join(self.open(key, start, end))

    @abstractmethod
    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
            return True
        except BlobNotFound:
            return False

    @abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """Keys under ``prefix``, sorted."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Delete one blob; deleting a missing blob is not an error."""

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        for key in keys:
            self.delete(key)
        return len(keys)

    def download(self, key: str, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            for chunk in self.open(key):
                handle.write(chunk)
        return path

    def public_url(self, key: str) -> str | None:
        """A URL viewers can fetch directly (S3 or CDN), or None when the web app must serve the blob."""
        return None

    def local_path(self, key: str) -> Path | None:
        """Where the blob lives on this machine's disk, for stores that keep blobs on disk."""
        return None

    @abstractmethod
    def check(self) -> None:
        """Raise ``BlobStoreError`` unless the store can be written and read now."""


class LocalBlobStore(BlobStore):
    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def local_path(self, key: str) -> Path:
        return self._path(key)

    def _write_atomically(self, key: str, fill) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                fill(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, key: str, path: str | Path, content_type: str | None = None) -> None:
        with open(path, "rb") as source:
            self._write_atomically(key, lambda handle: shutil.copyfileobj(source, handle, CHUNK_SIZE))

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> None:
        self._write_atomically(key, lambda handle: shutil.copyfileobj(stream, handle, CHUNK_SIZE))

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = self._path(key)
        try:
            handle = open(path, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(key) from None
        return self._read(handle, start, end)

    @staticmethod
    def _read(handle: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
        with handle:
            handle.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                chunk = handle.read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise BlobNotFound(key)
        return path.stat().st_size

    def list(self, prefix: str = "") -> list[str]:
        base = self.root / check_key(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if base.is_file():
            return [check_key(prefix)]
        if not base.is_dir():
            return []
        keys = []
        for path in base.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                keys.append(path.relative_to(self.root).as_posix())
        return sorted(keys)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def check(self) -> None:
        probe = ".healthcheck"
        try:
            self.put_bytes(probe, b"ok")
            self.get_bytes(probe)
            self.delete(probe)
        except OSError as exc:
            raise BlobStoreError(f"blob folder {self.root} is not writable: {exc.strerror}") from exc


class S3BlobStore(BlobStore):
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 public_url: str | None = None, create_bucket: bool = False):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self._public_url = public_url.rstrip("/") if public_url else None
        config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=3, read_timeout=30,
                        s3={"addressing_style": "path"})
        # A session of our own: boto3's default session caches the credentials it first found.
        self.client = boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)
        from boto3.s3.transfer import TransferConfig

        self.transfer = TransferConfig(multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=8 * 1024 * 1024)
        if create_bucket:
            self._ensure_bucket()

    def _key(self, key: str) -> str:
        key = check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _unkey(self, full: str) -> str:
        return full[len(self.prefix) + 1:] if self.prefix else full

    def _explain(self, exc: Exception) -> BlobStoreError:
        from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

        where = self.endpoint_url or "AWS S3"
        if isinstance(exc, EndpointConnectionError) or "Connect" in type(exc).__name__:
            return BlobStoreError(f"cannot reach the S3 server at {where}; check CHAMBER_S3_ENDPOINT_URL and that "
                                  f"the server is running ({exc})")
        if isinstance(exc, NoCredentialsError):
            return BlobStoreError("no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"}:
                return BlobStoreError(f"S3 at {where} refused the credentials ({code}); check AWS_ACCESS_KEY_ID and "
                                      "AWS_SECRET_ACCESS_KEY")
            if code in {"NoSuchBucket"}:
                return BlobStoreError(f"bucket {self.bucket!r} does not exist at {where}; create it or fix "
                                      "CHAMBER_STORAGE_URL")
        return BlobStoreError(f"S3 error at {where}: {exc}")

    def _call(self, fn, *args, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(*args, **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                raise BlobNotFound(kwargs.get("Key", "")) from None
            raise self._explain(exc) from exc
        except BotoCoreError as exc:
            raise self._explain(exc) from exc

    def _ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self._call(self.client.create_bucket, Bucket=self.bucket)
        except Exception as exc:  # connection problems
            raise self._explain(exc) from exc

    def put_file(self, key: str, path: str | Path, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type or content_type_for(key)}
        self._call(self.client.upload_file, str(path), self.bucket, self._key(key), ExtraArgs=extra,
                   Config=self.transfer)

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type or content_type_for(key)}
        self._call(self.client.upload_fileobj, stream, self.bucket, self._key(key), ExtraArgs=extra,
                   Config=self.transfer)

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        kwargs = {"Bucket": self.bucket, "Key": self._key(key)}
        if start or end is not None:
            kwargs["Range"] = f"bytes={start}-{'' if end is None else end}"
        response = self._call(self.client.get_object, **kwargs)
        return response["Body"].iter_chunks(CHUNK_SIZE)

    def size(self, key: str) -> int:
        response = self._call(self.client.head_object, Bucket=self.bucket, Key=self._key(key))
        return int(response["ContentLength"])

    def list(self, prefix: str = "") -> list[str]:
        full = self._key(prefix) if prefix.strip("/") else self.prefix
        if full and prefix.endswith("/"):
            full += "/"
        elif full and not prefix:
            full += "/"
        paginator = self.client.get_paginator("list_objects_v2")
        keys: list[str] = []
        pages = self._call(lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=full)))
        for page in pages:
            keys.extend(self._unkey(item["Key"]) for item in page.get("Contents", []))
        return sorted(keys)

    def delete(self, key: str) -> None:
        self._call(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    def public_url(self, key: str) -> str | None:
        if self._public_url:
            return f"{self._public_url}/{self._key(key)}"
        return None

    def presigned_url(self, key: str, expires: int = 3600, method: str = "GET") -> str:
        """A URL anyone holding it may GET (or HEAD: the signature covers the method) until it expires."""
        operation = "head_object" if method == "HEAD" else "get_object"
        return self.client.generate_presigned_url(operation, Params={"Bucket": self.bucket, "Key": self._key(key)},
                                                  ExpiresIn=expires)

    def check(self) -> None:
        self._call(self.client.head_bucket, Bucket=self.bucket)


def open_blob_store(settings) -> BlobStore:
    """The store named by ``CHAMBER_STORAGE_URL``: a folder path, ``file://`` URL, or ``s3://bucket/prefix``."""
    parsed = urlparse(settings.storage_url)
    if parsed.scheme == "s3":
        return S3BlobStore(parsed.netloc, parsed.path, endpoint_url=settings.s3_endpoint_url,
                           public_url=settings.s3_public_url)
    path = parsed.path if parsed.scheme == "file" else settings.storage_url
    return LocalBlobStore(path)
