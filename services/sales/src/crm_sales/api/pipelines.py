"""Pipelines and their stages, deals, stage history, targets and the forecast."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: tuple[APIRouter, ...] = ()
