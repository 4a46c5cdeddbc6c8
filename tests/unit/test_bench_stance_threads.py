"""The stance bench runs the head and the cross-encoder at the service's thread count and number format."""

from __future__ import annotations

from django.conf import settings

from evaluation import bench_stance


def test_the_bench_reads_the_services_stance_threads(monkeypatch):
    assert bench_stance.stance_threads() == settings.FACTCHECK_STANCE_THREADS
    monkeypatch.delenv("FACTCHECK_STANCE_THREADS", raising=False)
    assert bench_stance.stance_threads() == 1  # the service's default: one thread beside other work
    monkeypatch.setenv("FACTCHECK_STANCE_THREADS", "3")
    assert bench_stance.stance_threads() == 3


def test_the_bench_reads_the_cross_encoders_number_format_as_the_service_does(monkeypatch):
    assert bench_stance.stance_precision() == settings.FACTCHECK_STANCE_PRECISION
    monkeypatch.delenv("FACTCHECK_STANCE_PRECISION", raising=False)
    assert bench_stance.stance_precision() == "auto"
    monkeypatch.setenv("FACTCHECK_STANCE_PRECISION", "float32")
    assert bench_stance.stance_precision() == "float32"
