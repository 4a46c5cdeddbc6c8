"""Measuring quality: the benchmarks (bench_*; each runs with ``python -m evaluation.bench_X``),
the ANS reader and B-cubed scores (ans), the seed gold readers (gold) and the news stories
(stories: reading, scoring, and ingesting them leave one story out). The logic behind
``manage.py evaluate``, which imports it only when it runs. The scale benchmark behind
``manage.py bench scale``: scale_corpus (a synthetic archive from the ANS and STS sentences, pure),
embedding_cache (sentence vectors kept on disk), bench_scale (the measurements) and scale_rebuild
(one rebuild in a process of its own).

May import newsclaims, and (bench_matching, gold, bench_scale, scale_rebuild) Django, claims and sources. Nothing in the
service or in newsclaims imports this package (tests/unit/test_layout.py checks).
"""
