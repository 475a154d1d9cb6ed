"""``POST /api/complaints/<id>/notes`` (staff who work on complaints: the "note" action of
shared/runtime/staff.py; JSON ``{"text": …}``): an internal note, 201 with the complaint's
state. Refused in words when empty or after erasure. The use case: notes.py."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.intake import bodies, notes
from services.intake import openapi as docs
from services.intake.errors import guarded
from services.intake.http import cause_of, complaint_uuid, require
from services.intake.staffapi import read_body

router = APIRouter()


@router.post("/api/complaints/{complaint_id}/notes", **docs.NOTE)
async def add_note(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "note")
    body: bodies.NoteBody = await read_body(request, bodies.NoteBody)
    cid, intake = complaint_uuid(complaint_id), request.app.state.intake
    await guarded(request, notes.add(intake, cid, body, cause_of(member)))
    return JSONResponse(await intake.view(cid), 201)
