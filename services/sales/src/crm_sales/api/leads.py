"""Leads: capture, scoring, assignment, qualification."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: tuple[APIRouter, ...] = ()
