"""Trained models, training jobs and activations (the model bank feature).

One row per model from the moment it is requested: the queue, the training job and the bank are the
same table, so a restart of the web app finds the job, its stage and its log where it left them.
Times are naive UTC (store.rows). The typing follows store.models: `Mapped[...]` for the type
checker, plain `Column`s at run time (SQLAlchemy 1.4 and 2.x alike).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, Boolean, Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped

from store.models import Base

if TYPE_CHECKING:
    from sqlalchemy.orm import mapped_column as column
else:
    column = Column

# queued → training → evaluating → ready → active → retired (or ready again after a roll back);
# any of the first three may end as failed (an error, a cancel, or a web app that went away).
STATES = ("queued", "training", "evaluating", "ready", "failed", "active", "retired")


class TrainedModel(Base):
    """A model of the bank: its job (state, stage, progress, log) and, once trained, its file and scores."""

    __tablename__ = "trained_models"

    id: Mapped[int] = column(Integer, primary_key=True)
    state: Mapped[str] = column(String(16), nullable=False, default="queued", index=True)
    started_by: Mapped[str] = column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = column(DateTime, nullable=False)
    started_at: Mapped[dt.datetime | None] = column(DateTime)
    finished_at: Mapped[dt.datetime | None] = column(DateTime)
    # sha256 of the merged training data, config and domain: the same data is never trained twice.
    data_checksum: Mapped[str | None] = column(String(64))
    file_name: Mapped[str | None] = column(String(255))
    size: Mapped[int | None] = column(BigInteger)
    sha256: Mapped[str | None] = column(String(64), index=True)
    scores: Mapped[dict | None] = column(JSON)
    regression: Mapped[bool] = column(Boolean, nullable=False, default=False)
    stage: Mapped[str | None] = column(String(64))
    progress: Mapped[int] = column(Integer, nullable=False, default=0)  # percent
    stage_started_at: Mapped[dt.datetime | None] = column(DateTime)
    log: Mapped[str] = column(Text, nullable=False, default="")  # the last lines, bounded
    error: Mapped[str | None] = column(String(64))  # a code: cancelled, interrupted, exit_1, …
    # Who runs the job: the web worker (host and pid) and the training process it started.
    runner_host: Mapped[str | None] = column(String(255))
    runner_pid: Mapped[int | None] = column(Integer)
    process_pid: Mapped[int | None] = column(Integer)
    cancel_requested: Mapped[bool] = column(Boolean, nullable=False, default=False)


class ModelActivation(Base):
    """A model made active: who, when, why; `override` when an admin activated a regression."""

    __tablename__ = "model_activations"

    id: Mapped[int] = column(Integer, primary_key=True)
    model_id: Mapped[int] = column(Integer, ForeignKey("trained_models.id"), nullable=False, index=True)
    previous_model_id: Mapped[int | None] = column(Integer)
    at: Mapped[dt.datetime] = column(DateTime, nullable=False)
    by: Mapped[str] = column(String(64), nullable=False)
    reason: Mapped[str] = column(Text, nullable=False, default="")
    override: Mapped[bool] = column(Boolean, nullable=False, default=False)
