"""The app's lifespan on the real embedded chain, and the write token file.

The lifespan opens the service from the settings (durable embedded chain and
SQLite in the data directory), queues the corpus into an empty registry, runs
the service's anchorer thread (which also finishes a batch a crash left pending),
and stops it and closes everything on shutdown.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.auth import load_write_token, token_file
from api.main import create_app
from registry.adapters.chain import InMemoryChain
from registry.core.batch import build_batch
from registry.core.digests import digest_document
from registry.core.metadata import ArticleMetadata
from registry.errors import ConfigurationError
from registry.ports import BatchLeaf, NewDocument
from registry.service import RegistryService, Submission
from tests.api.conftest import assert_error, make_settings, register
from tests.chain_admin import revoke_registrar

LEFT_PENDING = b"Recorded before a crash, never sent.\n\nThe server anchors it by itself.\n"
WAIT_SECONDS = 60.0


def _leave_pending(service: RegistryService, data: bytes) -> str:
    """Record a one-document batch as pending and send nothing, as a crash right after would."""
    digested = digest_document(data, {})
    tree = build_batch([digested.digests])
    document = NewDocument(
        digests=digested.digests,
        metadata_json="{}",
        content=data,
        media_type="text/plain; charset=utf-8",
        paragraph_digests=digested.paragraph_digests,
    )
    digest = digested.digests.content_digest
    service.store.add_queued([document])
    service.store.add_pending_batch(
        tree.root, "left pending", [BatchLeaf(digest, 0, tuple(tree.proofs()[0]))]
    )
    return digest.hex()


def test_the_lifespan_opens_seeds_anchors_and_closes(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "data", write_token=None, seed_corpus=True, batch_interval=0.05
    )
    app = create_app(settings)
    with TestClient(app) as client:
        token_path = tmp_path / "data" / "api-token"
        assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
        token = token_path.read_text(encoding="ascii").strip()
        assert len(token) == 43  # secrets.token_urlsafe(32)
        assert client.get("/v1/articles").json()["total"] == 5
        assert client.get("/healthz").status_code == 200

        # The anchorer stopped, so that the batch is seen pending before it anchors it.
        app.state.service.stop()
        pending_id = _leave_pending(app.state.service, LEFT_PENDING)
        assert client.get(f"/v1/articles/{pending_id}").json()["state"] == "pending"
        app.state.service.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while client.get(f"/v1/articles/{pending_id}").json()["state"] != "anchored":
            assert time.monotonic() < deadline, "the anchorer never anchored the batch"
            time.sleep(0.05)
        verdict = client.get(f"/v1/verify/{pending_id}").json()
        assert (verdict["kind"], verdict["state"]) == ("authentic", "anchored")

        wrong = register(client, [("a.txt", b"new")], headers={"Authorization": "Bearer nope"})
        assert_error(wrong, 401, "unauthorized")
        created = register(
            client,
            [("a.txt", b"A new article.\n")],
            headers={"Authorization": f"Bearer {token}"},
            params={"wait": 30},
        )
        assert created.status_code == 201, created.text
        assert token not in created.text
    assert app.state.service is None

    # Shut down cleanly: the embedded chain's lock is released and everything was kept.
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/articles").json()["total"] == 7
        assert token_path.read_text(encoding="ascii").strip() == token


def test_a_startup_that_cannot_work_fails(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", write_token=None)
    (tmp_path / "data").mkdir()
    token_file(settings).write_text("\n", encoding="ascii")
    with (
        pytest.raises(ConfigurationError, match="is empty: delete it"),
        TestClient(create_app(settings)),
    ):
        pass


def test_the_token_file_is_created_once_private_and_reused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", write_token=None)
    first = load_write_token(settings)
    path = token_file(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="ascii") == first.get_secret_value() + "\n"
    assert load_write_token(settings) == first
    assert "**" in repr(first)  # a SecretStr never shows itself
    assert sorted(p.name for p in path.parent.iterdir()) == ["api-token"]  # no temporary left


def test_an_existing_token_file_is_used_as_it_is(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", write_token=None)
    (tmp_path / "data").mkdir()
    token_file(settings).write_text("chosen-by-the-operator\n", encoding="ascii")
    assert load_write_token(settings).get_secret_value() == "chosen-by-the-operator"


def test_a_configured_token_needs_no_file(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", write_token=SecretStr("from-the-environment"))
    assert load_write_token(settings).get_secret_value() == "from-the-environment"
    assert not token_file(settings).exists()
    blank = make_settings(tmp_path / "data", write_token=SecretStr("  "))
    with pytest.raises(ConfigurationError, match="set but blank"):
        load_write_token(blank)


# Prints a digest of the token, not the token.
_RACER = """
import hashlib, sys
from pathlib import Path
from api.auth import load_write_token
from registry.settings import Settings
settings = Settings(_env_file=None, data_dir=Path(sys.argv[1]), write_token=None)
print(hashlib.sha256(load_write_token(settings).get_secret_value().encode()).hexdigest())
"""


def test_processes_racing_to_create_the_token_all_get_the_same_one(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_REGISTRY_")}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(data_dir)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
        )
        for _ in range(6)
    ]
    digests = {racer.communicate(timeout=120)[0].decode().strip() for racer in racers}
    assert [racer.returncode for racer in racers] == [0] * 6
    token = (data_dir / "api-token").read_text(encoding="ascii")
    assert digests == {hashlib.sha256(token.strip().encode()).hexdigest()}
    assert os.listdir(data_dir) == ["api-token"]


def test_the_anchorer_logs_a_refused_anchor_once_and_keeps_running(
    service: RegistryService, caplog: pytest.LogCaptureFixture
) -> None:
    chain = service.chain
    assert isinstance(chain, InMemoryChain)
    revoke_registrar(chain, chain.registrar)
    service.anchorer.batch_interval = 0.01
    registration = service.register([Submission(LEFT_PENDING, ArticleMetadata())])
    with caplog.at_level(logging.WARNING, logger="registry.anchorer"):
        service.start()
        time.sleep(0.5)  # dozens of rounds
        service.stop()
    refusals = [r for r in caplog.records if "the chain refused" in r.getMessage()]
    assert len(refusals) == 1
    assert "AccessControlUnauthorizedAccount" in refusals[0].getMessage()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert service.article(registration.articles[0].article.id).state == "pending"
