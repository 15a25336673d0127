"""Yixun's settings plus a bare baseline view, for `make bench` only."""

from yixun.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
