"""The admin export pages: request, progress JSON, the streamed ZIP that matches its manifest, deletion."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from helpdesk.accounts.models import Role
from helpdesk.audit.models import AuditEvent
from helpdesk.core.db import db
from helpdesk.core.storage import FileStore
from helpdesk.core.time import utcnow
from helpdesk.portability import jobs as export_jobs
from tests.conftest import T0, LoginAs, MakeUser, actor_of, csrf_token


@pytest.fixture
def root(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "EXPORT_ROOT", str(tmp_path / "exports"))
    return tmp_path / "exports"


def _run(app: Flask, job_id: int, root: Path) -> str:
    name = export_jobs.run_export_job(job_id, clock=utcnow, store=FileStore(app.config["ATTACHMENT_ROOT"]),
                                      root=root)
    assert name is not None
    return name


def test_an_admin_starts_an_export_follows_it_and_downloads_a_zip_matching_its_manifest(
    app: Flask, make_user: MakeUser, login_as: LoginAs, root: Path
) -> None:
    client = login_as(app.test_client(), make_user(Role.ADMIN))
    home = client.get("/admin/export")
    assert home.status_code == 200 and "全データを書き出す" in home.text
    assert "まだ書き出しはありません" in home.text

    response = client.post("/admin/export", data={"csrf_token": csrf_token(client, "/admin/export")})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "<progress" in page.text and "job_progress.js" in page.text
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    status = client.get(f"/admin/export/jobs/{job_id}.json")
    assert status.headers["Cache-Control"] == "no-store"
    assert status.get_json() == {
        "state": "queued", "done": 0, "total": 0, "message": "", "download_url": None}

    _run(app, job_id, root)
    done = client.get(f"/admin/export/jobs/{job_id}.json").get_json()
    assert done["state"] == "done" and done["done"] == done["total"] > 0
    assert done["download_url"] == f"/admin/export/jobs/{job_id}/helpdesk-export.zip"

    download = client.get(done["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    # Streamed as it is zipped: no length known in advance.
    assert "Content-Length" not in download.headers
    assert "attachment" in download.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert archive.testzip() is None
    names = archive.namelist()
    manifest = json.loads(archive.read("manifest.json"))
    assert names[0] == "manifest.json" and "tables/users.jsonl" in names and "tables/tickets.jsonl" in names
    assert set(names) == {"manifest.json"} | {t["path"] for t in manifest["tables"]}
    for entry in manifest["tables"]:
        assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    downloaded = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "data.export_downloaded")).one()
    assert downloaded.subject_id == hashlib.sha256(archive.read("manifest.json")).hexdigest()

    listing = client.get("/admin/export").text
    assert downloaded.subject_id[:16] in listing and "helpdesk-export.zip" in listing


def test_a_second_export_while_one_is_queued_is_refused_with_a_message(
    app: Flask, make_user: MakeUser, login_as: LoginAs, root: Path
) -> None:
    admin = make_user(Role.ADMIN)
    export_jobs.request_export(actor=actor_of(admin), now=T0)
    client = login_as(app.test_client(), admin)

    response = client.post("/admin/export", data={"csrf_token": csrf_token(client, "/admin/export")})

    assert response.status_code == 409 and "すでに実行中" in response.text


def test_a_deleted_export_is_listed_as_deleted_and_no_longer_downloads(
    app: Flask, make_user: MakeUser, login_as: LoginAs, root: Path
) -> None:
    admin = make_user(Role.ADMIN)
    job = export_jobs.request_export(actor=actor_of(admin), now=T0)
    name = _run(app, job.id, root)
    client = login_as(app.test_client(), admin)

    response = client.post(f"/admin/export/jobs/{job.id}/delete",
                           data={"csrf_token": csrf_token(client, "/admin/export")})

    assert response.status_code == 302 and not (root / name).exists()
    assert "削除済み" in client.get("/admin/export").text
    assert client.get(f"/admin/export/jobs/{job.id}/helpdesk-export.zip").status_code == 404


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AGENT, Role.SECURITY, Role.VENDOR])
def test_only_administrators_reach_the_export_pages(
    role: Role, app: Flask, make_user: MakeUser, login_as: LoginAs, root: Path
) -> None:
    job = export_jobs.request_export(actor=actor_of(make_user(Role.ADMIN)), now=T0)
    _run(app, job.id, root)
    client = login_as(app.test_client(), make_user(role))

    for path in ("/admin/export", f"/admin/export/jobs/{job.id}", f"/admin/export/jobs/{job.id}.json",
                 f"/admin/export/jobs/{job.id}/helpdesk-export.zip"):
        assert client.get(path).status_code == 403, path
    token = {"csrf_token": csrf_token(client, "/login")}
    assert client.post("/admin/export", data=token).status_code == 403
    assert client.post(f"/admin/export/jobs/{job.id}/delete", data=token).status_code == 403
    assert any(root.iterdir())
    downloads = select(AuditEvent).where(AuditEvent.action == "data.export_downloaded")
    assert db.session.scalars(downloads).all() == []
