"""The ``interactions`` section of a world file: how calls, chats, e-mails and SMS behave, and the catalogues
an agent application offers (classification codes, e-mail templates). Every field has a default, so a world
file may leave the section out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CqCodeConfig(_Strict):
    id: int = Field(ge=1)
    code: str
    name: str
    queues: list[str] = Field(default_factory=list,
                              description="queue names or reporting numbers it is assigned to (empty: all)")


class TemplateConfig(_Strict):
    id: int = Field(ge=1)
    name: str
    attendant: bool = Field(False, description="an Attendant E-mail template")


class InteractionsConfig(_Strict):
    clerical_seconds: float = Field(30.0, ge=0, description="wrap-up after an ACD call or chat (0: none)")
    far_answer_seconds: float = Field(5.0, ge=0, description="an outside party answers an outgoing call after this")
    personal_call_seconds: float = Field(60.0, gt=0,
                                         description="a personal call waits this long for its agent, then "
                                                     "any agent of the queue may take it")
    cq_codes: list[CqCodeConfig] = Field(default_factory=lambda: [
        CqCodeConfig(id=1, code="10", name="Sale"),
        CqCodeConfig(id=2, code="20", name="Complaint"),
        CqCodeConfig(id=3, code="30", name="Information"),
    ])
    email_templates: list[TemplateConfig] = Field(default_factory=lambda: [
        TemplateConfig(id=1, name="Order confirmation"),
        TemplateConfig(id=2, name="Follow-up"),
        TemplateConfig(id=3, name="Attendant message", attendant=True),
    ])
