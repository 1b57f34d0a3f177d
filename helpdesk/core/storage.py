"""Files on disk under random keys, outside the web root. No business rules here."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The stream is longer than the limit; nothing was kept."""


@dataclass(frozen=True)
class StoredBlob:
    """A file written to the store."""

    key: str
    size: int
    sha256: str
    path: Path


class FileStore:
    """A folder of blobs named by random keys, fanned out by the key's first characters."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Where a key lives; keys are hex, so no path can escape the root."""
        if not key or any(c not in "0123456789abcdef" for c in key):
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key[2:4] / key

    def save(self, stream: IO[bytes], *, max_bytes: int) -> StoredBlob:
        """Copy ``stream`` into the store, hashing it; :raises TooLarge: past ``max_bytes``."""
        key = secrets.token_hex(20)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with target.open("xb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge()
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return StoredBlob(key=key, size=size, sha256=digest.hexdigest(), path=target)

    def delete(self, key: str) -> None:
        """Remove a blob if it is there."""
        self.path(key).unlink(missing_ok=True)
