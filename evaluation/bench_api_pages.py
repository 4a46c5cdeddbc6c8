"""How the API's list pages cost as the archive grows: first page against last, cursor against page number.

    .venv/bin/python -m evaluation.bench_api_pages [--sizes 5000,20000] [--repeat 15] [--page-size 50]

For each size it fills a scratch database of its own (created here and dropped after, never the
service's data) with that many claims (four per source, two per cluster; a tenth of the clusters
reviewed), then asks each list through the Django test client, as a client would: the first page,
and the last page both by `?page=N` (the older way: OFFSET, and a count) and by `?cursor=` (keyset;
the cursor the page before would have linked to). It prints the median and 95th percentile of the
answer time, the queries of one answer, and how the median grows from the smallest size to the
largest (the exponent of size: about 0 is constant, about 1 linear). A measurement to read, not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SCRATCH_DATABASE = "factcheck_bench_api"


@dataclass(frozen=True)
class Case:
    """One list of the API, with the filter it is asked with."""

    label: str
    path: str
    params: dict


CASES = [
    Case("claims", "/api/v1/claims/", {}),
    Case("claims ?language=ar", "/api/v1/claims/", {"language": "ar"}),
    Case("clusters", "/api/v1/clusters/", {}),
    Case("clusters ?status=contradiction", "/api/v1/clusters/", {"status": "contradiction"}),
    Case("sources", "/api/v1/sources/", {}),
    Case("claimreview", "/api/v1/claimreview/", {}),
]


class scratch_database:
    """Point the default connection at an empty, migrated database for the duration (dropped after)."""

    def __enter__(self):
        from django.db import connection

        self.connection = connection
        self.old_name = connection.settings_dict["NAME"]
        connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": SCRATCH_DATABASE}
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        return self

    def __exit__(self, *exc):
        self.connection.creation.destroy_test_db(self.old_name, verbosity=0)
        return False


def fill(claims: int, batch: int = 5000) -> None:
    """`claims` claims: four per source, two per cluster; every tenth cluster has a verdict."""
    from django.db import connection

    from claims.choices import ClusterStatus, Verdict
    from claims.models import Claim, Cluster
    from sources.models import Source

    started = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = [ClusterStatus.SINGLE_SOURCE] * 16 + [ClusterStatus.AGREEMENT] * 3 + [ClusterStatus.CONTRADICTION]
    verdicts = [Verdict.TRUE, Verdict.FALSE, Verdict.MISLEADING, Verdict.UNPROVEN]
    sources = Source.objects.bulk_create(
        (
            Source(
                text=f"Article {n}: the ministry said {n} people were affected.",
                content_hash=f"bench-{n:064d}"[-64:],
                title=f"Article {n}",
                publisher=f"Publisher {n % 40}",
                language="ar" if n % 3 == 0 else "en",
                status="processed",
            )
            for n in range((claims + 3) // 4)
        ),
        batch_size=batch,
    )
    clusters = Cluster.objects.bulk_create(
        (
            Cluster(
                label=f"{n} people affected",
                status=statuses[n % len(statuses)],
                claim_count=2,
                source_count=2,
                languages=["en"],
                verdict=verdicts[n % 4] if n % 10 == 0 else "",
                verdict_at=started + timedelta(minutes=n) if n % 10 == 0 else None,
            )
            for n in range((claims + 1) // 2)
        ),
        batch_size=batch,
    )
    Claim.objects.bulk_create(
        (
            Claim(
                source=sources[n // 4],
                cluster=clusters[n // 2],
                text=f"{n} people were affected",
                start=(n % 4) * 30,
                end=(n % 4) * 30 + 24,
                language=sources[n // 4].language,
                checkworthiness=0.5,
            )
            for n in range(claims)
        ),
        batch_size=batch,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, as autovacuum would have them


def last_page(case: Case, page_size: int) -> tuple[int, str | None]:
    """The last page's number, and the cursor the page before it links to (None: only one page)."""
    from django.test import Client

    from claims.api.pagination import Cursor, KeysetPagination
    from claims.models import Claim, Cluster
    from integrations.api import ReviewPagination
    from sources.models import Source

    client = Client()
    numbered = client.get(case.path, {**case.params, "page_size": page_size, "page": 1}).json()
    pages = max(1, math.ceil(numbered["count"] / page_size))
    if pages == 1:
        return pages, None
    before = client.get(case.path, {**case.params, "page_size": page_size, "page": pages - 1}).json()
    last_seen = before["results"][-1]
    if case.path.endswith("claimreview/"):
        paginator, model, pk = ReviewPagination(), Cluster, int(last_seen["url"].rstrip("/").rsplit("/", 1)[-1])
    else:
        paginator, pk = KeysetPagination(), last_seen["id"]
        model = {"claims": Claim, "clusters": Cluster, "sources": Source}[case.path.split("/")[3]]
    paginator.model = model
    return pages, paginator.encode(Cursor(key=paginator.key_of(model.objects.get(pk=pk))))


@dataclass(frozen=True)
class Timing:
    """One page asked `repeat` times: the answer's time (median, 95th percentile) and its queries' time
    (median), in ms, and the queries of one answer."""

    p50: float
    p95: float
    db_p50: float
    queries: int


def measure(case: Case, params: dict, repeat: int) -> Timing:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    url_params = {**case.params, **params}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(case.path, url_params)
    assert response.status_code == 200, response.content[:300]
    count = len(queries)  # now: the next request empties the connection's log
    in_database = [0.0]

    def timed(execute, sql, sql_params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, sql_params, many, context)
        finally:
            in_database[0] += time.perf_counter() - start

    times, db_times = [], []
    for _ in range(repeat):
        in_database[0] = 0.0
        with connection.execute_wrapper(timed):
            start = time.perf_counter()
            client.get(case.path, url_params)
            times.append((time.perf_counter() - start) * 1e3)
        db_times.append(in_database[0] * 1e3)
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return Timing(statistics.median(times), p95, statistics.median(db_times), count)


def run(sizes: Sequence[int], repeat: int, page_size: int) -> dict[tuple[str, str], list[Timing]]:
    """Print one line per list, page and way of paging for each size; the timings, by (list, way)."""
    timings: dict[tuple[str, str], list[Timing]] = {}
    header = f"{'claims':>7}  {'list':32} {'page':20} {'p50 ms':>8} {'p95 ms':>8} {'db p50 ms':>10} {'queries':>7}"
    print(header)
    print("-" * len(header))
    for size in sizes:
        with scratch_database():
            fill(size)
            for case in CASES:
                pages, cursor = last_page(case, page_size)
                ways = [
                    ("first", {}),
                    (f"last, ?page={pages}", {"page": pages}),
                    ("last, ?cursor=", {"cursor": cursor} if cursor else {}),
                ]
                for way, params in ways:
                    t = measure(case, {"page_size": page_size, **params}, repeat)
                    key = "last, ?page=N" if way.startswith("last, ?page=") else way
                    timings.setdefault((case.label, key), []).append(t)
                    figures = f"{t.p50:8.1f} {t.p95:8.1f} {t.db_p50:10.2f} {t.queries:7d}"
                    print(f"{size:7d}  {case.label:32} {way:20} {figures}", flush=True)
    if len(sizes) > 1:
        print(
            f"\ngrowth from {sizes[0]} to {sizes[-1]} claims, as the exponent of size (0 constant, 1 linear)"
            f"\n  {'list':32} {'page':20} {'p50':>6} {'db p50':>7}"
        )
        for (label, way), values in timings.items():
            first, last = values[0], values[-1]
            scale = math.log(sizes[-1] / sizes[0])
            total = math.log(last.p50 / first.p50) / scale
            database = math.log(last.db_p50 / first.db_p50) / scale
            print(f"  {label:32} {way:20} {total:6.2f} {database:7.2f}")
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench_api_pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,20000", help="claims per run, comma-separated (default 5000,20000)")
    parser.add_argument("--repeat", type=int, default=15, help="requests timed per page (default 15)")
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings, setup_test_environment, teardown_test_environment

    # The test environment lets the client reach "testserver"; our own requests are not throttled.
    unthrottled = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "token": None}}
    setup_test_environment()
    try:
        with override_settings(REST_FRAMEWORK=unthrottled):
            run(sizes, args.repeat, args.page_size)
    finally:
        teardown_test_environment()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
