"""Tables, written for SQLAlchemy 1.4 (the Rasa environment) and 2.x (the web app) alike."""
from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class HandoffCase(Base):
    """A customer handed to the point's advisor. Holds no free text typed by the customer."""

    __tablename__ = "handoff_cases"
    __table_args__ = (UniqueConstraint("point_id", "day", "number", name="uq_ticket_per_point_day"),)

    id = Column(Integer, primary_key=True)
    point_id = Column(String(64), nullable=False)
    day = Column(Date, nullable=False)  # the point's local day (Europe/Helsinki)
    number = Column(Integer, nullable=False)
    ticket = Column(String(16), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    conversation_id = Column(String(128), nullable=False)
    language = Column(String(2), nullable=False)
    channel = Column(String(16), nullable=False)
    reason = Column(String(32), nullable=False)
    life_situation = Column(String(8))
    services = Column(JSON, nullable=False, default=list)
    forms = Column(JSON, nullable=False, default=list)
    intents = Column(JSON, nullable=False, default=list)
    summary = Column(Text, nullable=False, default="")
    status = Column(String(16), nullable=False, default="pending")
