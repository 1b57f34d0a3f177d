"""A finished export directory as one ZIP, streamed: neither the archive nor a whole file is held.

``zipfile`` writes into a sink that only collects bytes; the generator hands them out after
every chunk, so memory stays near :data:`~helpdesk.portability.format.CHUNK` however large the
export. Members go in the manifest's order — ``manifest.json`` first, so a reader streaming the
archive learns what follows and each member's SHA-256 before it arrives — and only the files the
manifest names, at the paths the format computes (nothing else lying in the directory is sent).
ZIP64 is used per member when it is large and for the archive when it is, so exports beyond 4 GiB
or 65,535 files open in any current unzip tool.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from helpdesk.portability.format import (
    CHUNK,
    MANIFEST_NAME,
    Manifest,
    attachment_path,
    table_path,
)


class _Sink:
    """A write-only, unseekable file for ``zipfile``: collects what is written until drained."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        # zipfile asks for the offset of each member's header; an unseekable stream still has one.
        return self._written

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def members(directory: Path) -> list[str]:
    """The archive's member names in order: the manifest, the tables, the attachment files."""
    manifest = Manifest.from_bytes((directory / MANIFEST_NAME).read_bytes())
    return ([MANIFEST_NAME] + [table_path(t.table) for t in manifest.tables]
            + [attachment_path(a.storage_key) for a in manifest.attachments])


def zip_stream(directory: Path) -> Iterator[bytes]:
    """The export in ``directory`` as ZIP bytes, chunk by chunk (JSON deflated, attachments stored).

    :raises CorruptExport: when the manifest cannot be read (before the first chunk).
    :raises OSError: when a file the manifest names is missing (the archive stops there).
    """
    names = members(directory)
    return _chunks(directory, names)


def _chunks(directory: Path, names: list[str]) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", allowZip64=True) as archive:  # type: ignore[call-overload]
        for name in names:
            path = directory / name
            # from_file records the size, from which zipfile decides on ZIP64 for the member.
            info = zipfile.ZipInfo.from_file(path, arcname=name)
            # Attachments are mostly compressed already (PDF, images, Office files); deflating them
            # again costs time for nothing.
            info.compress_type = (zipfile.ZIP_STORED if name.startswith(attachment_path(""))
                                  else zipfile.ZIP_DEFLATED)
            with path.open("rb") as source, archive.open(info, "w") as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    if data := sink.drain():
                        yield data
            if data := sink.drain():
                yield data
    yield sink.drain()  # the central directory
