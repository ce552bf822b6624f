"""Trained models, training jobs and activations (the model bank feature)."""

from __future__ import annotations
