"""Sentence vectors kept on disk between benchmark runs (`manage.py bench scale`).

Embedding a 100,000-claim corpus takes about 20 minutes on 2 cores; the corpus is deterministic,
so a second run (another size, another setting) reads its vectors back instead. One SQLite file
(stdlib, no server), keyed by the model's name and the text, vectors stored as float32 bytes. The
model is deterministic, so a stored vector is exactly what embedding again would give. Pure: no
Django; the embedding function is passed in.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

Embed = Callable[[list[str]], np.ndarray]
Progress = Callable[[int, int], None]
BATCH = 256  # texts per call of the encoder; written to disk after each, so an interrupted run keeps them


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


class EmbeddingCache:
    """Vectors by (model, text) in a SQLite file, created on first use."""

    def __init__(self, path: Path, model: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.model = model
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, data BLOB)")

    def close(self) -> None:
        self.db.close()

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those texts that have one."""
        keys = {_key(self.model, t): t for t in dict.fromkeys(texts)}
        found: dict[str, np.ndarray] = {}
        wanted = list(keys)
        for start in range(0, len(wanted), 900):  # SQLite's bound-parameter limit is 999 on old builds
            chunk = wanted[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for key, dim, data in self.db.execute(f"SELECT key, dim, data FROM vectors WHERE key IN ({marks})", chunk):
                vector = np.frombuffer(data, dtype=np.float32)
                if vector.shape == (dim,):
                    found[keys[key]] = vector
        return found

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [
            (_key(self.model, t), int(v.shape[0]), np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO vectors (key, dim, data) VALUES (?, ?, ?)", rows)

    def embed(self, texts: Sequence[str], encode: Embed, progress: Progress | None = None) -> tuple[np.ndarray, int]:
        """Vectors of `texts` in order (stored ones read back, the rest encoded in batches and
        stored); returns them and how many texts were encoded now."""
        texts = list(texts)
        known = self.get_many(texts)
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            vectors = np.asarray(encode(batch), dtype=np.float32)
            self.put_many(batch, vectors)
            known.update(zip(batch, vectors, strict=True))
            if progress:
                progress(start + len(batch), len(todo))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.stack([known[t] for t in texts]).astype(np.float32, copy=False), len(todo)
