"""The scale benchmark's vectors on disk (evaluation.embedding_cache): a text is encoded once per
model, and what is read back is what was stored. Pure: a fake encoder, a temporary file."""

from __future__ import annotations

import numpy as np

from evaluation.embedding_cache import EmbeddingCache


def fake_encoder(calls: list[list[str]]):
    def encode(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32)

    return encode


def test_texts_are_encoded_once_and_read_back(tmp_path) -> None:
    path = tmp_path / "bench" / "vectors.sqlite3"
    calls: list[list[str]] = []
    cache = EmbeddingCache(path, "model-a")
    first, encoded = cache.embed(["مقتل 71 مسلحا", "two men", "مقتل 71 مسلحا"], fake_encoder(calls))
    assert encoded == 2 and calls == [["مقتل 71 مسلحا", "two men"]]
    assert first.shape == (3, 3) and first.dtype == np.float32
    np.testing.assert_array_equal(first[0], first[2])
    cache.close()

    again = EmbeddingCache(path, "model-a")  # another run
    second, encoded = again.embed(["two men", "a third text", "مقتل 71 مسلحا"], fake_encoder(calls))
    assert encoded == 1 and calls[-1] == ["a third text"]
    np.testing.assert_array_equal(second[0], first[1])
    np.testing.assert_array_equal(second[2], first[0])
    again.close()

    other = EmbeddingCache(path, "model-b")  # another model's vectors are its own
    _, encoded = other.embed(["two men"], fake_encoder(calls))
    assert encoded == 1
    other.close()
