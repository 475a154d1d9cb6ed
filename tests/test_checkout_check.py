"""The suite's own check that tests leave the checkout alone (tests/support/checkout.py): npm's
installs of the pinned test tools are not the tests' doing, a file in ./data is."""

from __future__ import annotations

from tests.support.checkout import _files, _not_counted


def test_npm_installs_of_the_test_tools_are_not_counted() -> None:
    # Redocly CLI and the OpenID provider are installed by their tests with `npm ci`; the
    # check counted them, so a clean-clone run failed with every test passed.
    for folder in ("tests/support/node", "tests/support/oidc", "tests/e2e/axe"):
        assert _not_counted(f"{folder}/node_modules/.package-lock.json")


def test_a_file_a_test_leaves_in_the_data_folder_is_counted(tmp_path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sessions.sqlite3").write_bytes(b"x")
    assert _files(tmp_path, "data/") == ["data/sessions.sqlite3"]
    assert not _not_counted("data/sessions.sqlite3")
