"""Attachments are judged by their bytes, kept under random keys, and all-or-nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.core.errors import ValidationFailed
from helpdesk.core.storage import FileStore
from helpdesk.tickets import services as tickets
from helpdesk.tickets.attachments import AttachmentLimits, Upload, clean_filename
from helpdesk.tickets.models import Attachment, Ticket
from helpdesk.tickets.states import MessageKind, TicketType
from tests import files
from tests.conftest import T0, MakeUser, actor_of


@pytest.fixture
def limits(tmp_path: Path) -> AttachmentLimits:
    return AttachmentLimits(store=FileStore(tmp_path / "store"), max_bytes=64 * 1024, max_files=5)


def _stored(limits: AttachmentLimits) -> list[Path]:
    return [p for p in limits.store.root.rglob("*") if p.is_file()]


def _open(make_user: MakeUser, limits: AttachmentLimits, *uploads: Upload) -> Ticket:
    requester = make_user()
    return tickets.open_ticket(
        tickets.NewTicket(
            type=TicketType.FAULT, subject="資料を添付します", description="添付をご確認ください"
        ),
        actor=actor_of(requester),
        now=T0,
        uploads=list(uploads),
        limits=limits,
    )


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx"])
def test_office_files_are_accepted_by_content(
    kind: str, make_user: MakeUser, limits: AttachmentLimits, db: Any
) -> None:
    _open(make_user, limits, Upload(f"報告書.{kind}", io.BytesIO(files.ooxml(kind))))
    row = db.session.scalars(select(Attachment)).one()
    assert row.content_type.startswith("application/vnd.openxmlformats-officedocument")


def test_japanese_name_is_kept_exactly_and_the_file_is_stored_under_a_random_key(
    make_user: MakeUser, limits: AttachmentLimits, db: Any
) -> None:
    _open(
        make_user,
        limits,
        Upload("障害報告①.docx", io.BytesIO(files.ooxml("docx"))),
        Upload("一覧.csv", io.BytesIO(files.CSV_SJIS)),
        Upload("画面.png", io.BytesIO(files.PNG)),
    )
    rows = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [r.filename for r in rows] == ["障害報告①.docx", "一覧.csv", "画面.png"]
    assert all("障害" not in str(p) for p in _stored(limits))
    assert len(_stored(limits)) == 3


def test_a_disguised_file_refuses_the_whole_submission(
    make_user: MakeUser, limits: AttachmentLimits, db: Any
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _open(
            make_user,
            limits,
            Upload("ok.pdf", io.BytesIO(files.PDF)),
            Upload("請求書.pdf", io.BytesIO(files.EXE)),
        )
    assert "請求書.pdf" in str(caught.value.fields["attachments"])
    assert db.session.scalars(select(Ticket)).all() == []
    assert _stored(limits) == []


@pytest.mark.parametrize(("name", "content"), [("page.html", files.HTML), ("tool.exe", files.EXE)])
def test_active_content_is_refused(
    name: str, content: bytes, make_user: MakeUser, limits: AttachmentLimits
) -> None:
    with pytest.raises(ValidationFailed):
        _open(make_user, limits, Upload(name, io.BytesIO(content)))


def test_too_large_and_too_many_are_refused(make_user: MakeUser, limits: AttachmentLimits) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _open(make_user, limits, Upload("大きい.pdf", io.BytesIO(files.PDF + b"0" * 70_000)))
    assert "大きすぎます" in str(caught.value.fields["attachments"])
    many = [Upload(f"{i}.pdf", io.BytesIO(files.PDF)) for i in range(6)]
    with pytest.raises(ValidationFailed):
        _open(make_user, limits, *many)
    assert _stored(limits) == []


def test_internal_note_files_are_not_public(make_user: MakeUser, limits: AttachmentLimits, db: Any) -> None:
    ticket = _open(make_user, limits)
    agent = make_user(Role.AGENT)
    tickets.add_message(
        ticket.id,
        MessageKind.INTERNAL_NOTE,
        "ログを添付",
        actor=actor_of(agent),
        now=T0,
        uploads=[Upload("server.log.txt", io.BytesIO(b"error at 10:02\n"))],
        limits=limits,
    )
    row = db.session.scalars(select(Attachment)).one()
    assert row.is_public is False


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\yamada\\障害報告①.docx", "障害報告①.docx"),
        ("../../etc/passwd", "passwd"),
        ("名前\r\nX-Injected: 1.txt", "名前X-Injected: 1.txt"),
        ("ｶﾀｶﾅ.txt", "ｶﾀｶﾅ.txt"),
    ],
)
def test_file_names_lose_only_folders_and_control_characters(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (files.ooxml("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (files.PDF, "application/pdf"),
        (files.CSV_SJIS, "text/plain"),
        (files.HTML, "application/octet-stream"),
        (files.EXE, "application/x-msdownload"),
    ],
)
def test_without_libmagic_the_pure_python_detector_takes_over(
    content: bytes, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from helpdesk.tickets.attachments import detect_type

    monkeypatch.setitem(sys.modules, "magic", None)  # import magic now raises ImportError
    sample = tmp_path / "sample"
    sample.write_bytes(content)
    assert detect_type(sample) == expected
