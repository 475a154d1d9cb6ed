"""No private link's token reaches a log line: status links and survey links alike."""

from __future__ import annotations

import uuid
from datetime import date

from shared.privacy import statuslink, surveylink
from shared.runtime.observability import clean


def test_survey_and_status_tokens_are_kept_out_of_logs() -> None:
    cid, secret = uuid.uuid4(), b"s" * 32
    survey = surveylink.survey_path(secret, cid)
    status = statuslink.status_path(secret, cid, date(2026, 12, 4))
    cleaned = clean(f"GET {survey} 200; GET {status} 200")
    assert survey.rsplit("/", 1)[1] not in cleaned
    assert status.rsplit("/", 1)[1] not in cleaned
    assert f"/survey/{cid}/***" in cleaned and f"/status/{cid}/***" in cleaned
