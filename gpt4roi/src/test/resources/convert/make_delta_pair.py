#!/usr/bin/python3
"""Makes a tiny GPT4RoI-shaped delta release and its expected merge (run with Debian's python3-torch 1.13).

    cd gpt4roi/src/test/resources/convert && /usr/bin/python3 make_delta_pair.py

Writes, next to this script:
  base/    a tiny LLaMA in HF format: config.json, two pytorch_model-*.bin shards + index (F16, vocab 32000,
           rotary inv_freq buffers in F32), tokenizer.model (a stand-in: the converter only copies it)
  delta/   the matching "delta" as GPT4RoI released it: vocab 32006, F16, the LLaMA tensors as deltas, the
           projector and region module (model.spi_module.*) raw, inv_freq; two shards + index, config.json
           (LLaVA keys + spi_module sizes), tokenizer files; some tensors are saved as non-contiguous views
  clip/    a tiny CLIPModel: config.json (text_config + vision_config) and pytorch_model.bin (F32, with
           text tower, projections, logit_scale and I64 position_ids that must not be copied)
  expected.json   the reference merge of apply_delta.py done by torch, (delta.float() + base.float()).half()
                  on the first 32000 rows for embed_tokens/lm_head, raw projector/spi, inv_freq dropped:
                  {"model": {name: {dtype, shape, sha256}}, "clip": {...}, "clip_config": {...}}
  f16_sums.json   torch's rounding of F16+F16 and F16+F32 sums (bit patterns), edge cases and random pairs
"""
import collections, hashlib, json, os, shutil
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
D, HEADS, LAYERS, INTER, VOCAB, NEW_TOKENS = 4, 2, 2, 10, 32000, 6
CLIP_C, CLIP_I, CLIP_LAYERS, PATCH, IMAGE = 4, 8, 2, 14, 224
SPI_C, SPI_P, ROI = CLIP_C, 3, 14
ADDED = {"[PAD]": 32000, "<im_patch>": 32001, "<bbox>": 32002, "<point>": 32003, "<im_start>": 32004, "<im_end>": 32005}
DTYPE = {torch.float16: "F16", torch.float32: "F32", torch.int64: "I64"}
g = torch.Generator().manual_seed(4)


def randn(*shape, scale=1.0, dtype=torch.float16):
    return (torch.randn(*shape, generator=g) * scale).to(dtype)


def llama_names():
    names = {"model.embed_tokens.weight": (VOCAB, D)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        for m in "qkvo":
            names[p + f"self_attn.{m}_proj.weight"] = (D, D)
        names[p + "self_attn.rotary_emb.inv_freq"] = (D // HEADS // 2,)
        names[p + "mlp.gate_proj.weight"] = (INTER, D)
        names[p + "mlp.down_proj.weight"] = (D, INTER)
        names[p + "mlp.up_proj.weight"] = (INTER, D)
        names[p + "input_layernorm.weight"] = (D,)
        names[p + "post_attention_layernorm.weight"] = (D,)
    names["model.norm.weight"] = (D,)
    names["lm_head.weight"] = (VOCAB, D)
    return names


def spi_names():
    p = "model.spi_module."
    n = {}
    for l in range(4):
        n[p + f"mlvl_fuse.input_conv.{l}.weight"] = (SPI_C, SPI_C + 2, 1, 1)
        n[p + f"mlvl_fuse.input_conv.{l}.bias"] = (SPI_C,)
    for j in range(5):
        n[p + f"mlvl_fuse.fuse_convs.{j}.conv.weight"] = (SPI_C, SPI_C, 3, 3)
        n[p + f"mlvl_fuse.fuse_convs.{j}.gn.weight"] = (SPI_C,)
        n[p + f"mlvl_fuse.fuse_convs.{j}.gn.bias"] = (SPI_C,)
    for l in range(4):
        n[p + f"roi_align.pconvs.{l}.weight"] = (SPI_C, SPI_C, 3, 3)
        n[p + f"roi_align.pconvs.{l}.bias"] = (SPI_C,)
    n.update({p + "roi_align.pos_embedd.0.weight": (SPI_P, 4), p + "roi_align.pos_embedd.0.bias": (SPI_P,),
              p + "roi_align.pos_embedd.2.weight": (SPI_P,), p + "roi_align.pos_embedd.2.bias": (SPI_P,),
              p + "roi_align.pos_embedd.3.weight": (SPI_C, SPI_P), p + "roi_align.pos_embedd.3.bias": (SPI_C,),
              p + "roi_align.pos_embedd.5.weight": (SPI_C,), p + "roi_align.pos_embedd.5.bias": (SPI_C,),
              p + "roi_align.updims.weight": (D, SPI_C), p + "roi_align.updims.bias": (D,),
              p + "roi_align.flatten_linear.weight": (SPI_C, SPI_C * ROI * ROI), p + "roi_align.flatten_linear.bias": (SPI_C,)})
    return n


def inv_freq():
    hd = D // HEADS
    return 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))


def make_base():
    base = collections.OrderedDict()
    for name, shape in llama_names().items():
        base[name] = inv_freq() if name.endswith("inv_freq") else randn(*shape)
    return base


def make_delta(base):
    """The release's delta: LLaMA tensors minus base (small), 6 new vocabulary rows, projector and spi raw."""
    delta = collections.OrderedDict()
    for name, b in base.items():
        if name.endswith("inv_freq"):
            delta[name] = inv_freq()
        elif name in ("model.embed_tokens.weight", "lm_head.weight"):
            delta[name] = randn(VOCAB + NEW_TOKENS, D, scale=0.01)
        else:
            delta[name] = randn(*b.shape, scale=0.01)
    # Rounding edge cases in one delta/base pair: ties to even, overflow to inf, subnormals, cancellation.
    up = delta["model.layers.0.mlp.up_proj.weight"].view(-1)
    bup = base["model.layers.0.mlp.up_proj.weight"].view(-1)
    cases = [(1.0, 2.0 ** -11), (1.0 + 2.0 ** -10, 2.0 ** -11), (65504.0, 65504.0), (-65504.0, -32.0),
             (2.0 ** -24, 2.0 ** -25), (6.1e-5, -6.0e-5), (0.1, -0.1), (-0.0, 0.0), (2048.0, 1.0), (2049.0, 1.0)]
    for i, (a, b) in enumerate(cases):
        up[i], bup[i] = a, b
    # Non-contiguous views, as a state dict may hold them: a transposed delta and a raw spi tensor, an offset view.
    q = "model.layers.1.self_attn.q_proj.weight"
    delta[q] = delta[q].t().contiguous().t()
    assert not delta[q].is_contiguous()
    for name, shape in spi_names().items():
        delta[name] = randn(*shape, scale=0.3)
    upd = "model.spi_module.roi_align.updims.weight"
    delta[upd] = delta[upd].t().contiguous().t()
    norm = torch.zeros(3, D, dtype=torch.float16)
    norm[1] = delta["model.norm.weight"]
    delta["model.norm.weight"] = norm[1]                                   # storage offset D
    delta["model.mm_projector.weight"] = randn(D, CLIP_C, scale=0.3)
    delta["model.mm_projector.bias"] = randn(D, scale=0.3)
    return delta


def merge(delta, base):
    """scripts/apply_delta.py's rule, as torch computes it."""
    out = collections.OrderedDict()
    for name, d in delta.items():
        if name.endswith("rotary_emb.inv_freq"):
            continue
        if name.startswith("model.mm_projector.") or name.startswith("model.spi_module."):
            out[name] = d.contiguous()
            continue
        b = base[name]
        if d.shape == b.shape:
            out[name] = (d.float() + b.float()).half()
        else:
            m = d.clone()
            m[: b.shape[0]] = (d[: b.shape[0]].float() + b.float()).half()
            out[name] = m
    return out


def make_clip():
    sd = collections.OrderedDict()
    v = "vision_model."
    sd[v + "embeddings.class_embedding"] = randn(CLIP_C, dtype=torch.float32)
    sd[v + "embeddings.patch_embedding.weight"] = randn(CLIP_C, 3, PATCH, PATCH, dtype=torch.float32)
    sd[v + "embeddings.position_embedding.weight"] = randn((IMAGE // PATCH) ** 2 + 1, CLIP_C, dtype=torch.float32)
    sd[v + "embeddings.position_ids"] = torch.arange((IMAGE // PATCH) ** 2 + 1).reshape(1, -1)
    sd[v + "pre_layrnorm.weight"] = randn(CLIP_C, dtype=torch.float32)
    sd[v + "pre_layrnorm.bias"] = randn(CLIP_C, dtype=torch.float32)
    for i in range(CLIP_LAYERS):
        p = f"{v}encoder.layers.{i}."
        for m in ("k", "v", "q", "out"):
            sd[p + f"self_attn.{m}_proj.weight"] = randn(CLIP_C, CLIP_C, dtype=torch.float32)
            sd[p + f"self_attn.{m}_proj.bias"] = randn(CLIP_C, dtype=torch.float32)
        for ln in ("layer_norm1", "layer_norm2"):
            sd[p + f"{ln}.weight"] = randn(CLIP_C, dtype=torch.float32)
            sd[p + f"{ln}.bias"] = randn(CLIP_C, dtype=torch.float32)
        sd[p + "mlp.fc1.weight"] = randn(CLIP_I, CLIP_C, dtype=torch.float32)
        sd[p + "mlp.fc1.bias"] = randn(CLIP_I, dtype=torch.float32)
        sd[p + "mlp.fc2.weight"] = randn(CLIP_C, CLIP_I, dtype=torch.float32)
        sd[p + "mlp.fc2.bias"] = randn(CLIP_C, dtype=torch.float32)
    sd[v + "post_layernorm.weight"] = randn(CLIP_C, dtype=torch.float32)
    sd[v + "post_layernorm.bias"] = randn(CLIP_C, dtype=torch.float32)
    sd["text_model.embeddings.token_embedding.weight"] = randn(10, 6, dtype=torch.float32)
    sd["text_model.embeddings.position_ids"] = torch.arange(7).reshape(1, -1)
    sd["visual_projection.weight"] = randn(5, CLIP_C, dtype=torch.float32)
    sd["text_projection.weight"] = randn(5, 6, dtype=torch.float32)
    sd["logit_scale"] = torch.tensor(2.6592)
    return sd


CLIP_CONFIG = {
    "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 5, "logit_scale_init_value": 2.6592,
    "text_config": {"hidden_size": 6, "intermediate_size": 12, "num_attention_heads": 2, "num_hidden_layers": 1,
                    "max_position_embeddings": 7, "vocab_size": 10, "model_type": "clip_text_model"},
    "vision_config": {"hidden_size": CLIP_C, "intermediate_size": CLIP_I, "num_attention_heads": 1,
                      "num_hidden_layers": CLIP_LAYERS, "patch_size": PATCH, "image_size": IMAGE,
                      "projection_dim": 5, "dropout": 0.0, "model_type": "clip_vision_model"},
}
CLIP_CONFIG_FLAT = {"model_type": "clip_vision_model", "hidden_size": CLIP_C, "intermediate_size": CLIP_I,
                    "num_attention_heads": 1, "num_hidden_layers": CLIP_LAYERS, "patch_size": PATCH,
                    "image_size": IMAGE, "num_channels": 3, "layer_norm_eps": 1e-05, "hidden_act": "quick_gelu"}


def llama_config(vocab):
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu", "hidden_size": D,
            "intermediate_size": INTER, "num_attention_heads": HEADS, "num_hidden_layers": LAYERS,
            "rms_norm_eps": 1e-06, "vocab_size": vocab, "max_position_embeddings": 2048, "bos_token_id": 1,
            "eos_token_id": 2, "pad_token_id": 0, "tie_word_embeddings": False, "torch_dtype": "float16"}


def delta_config():
    c = llama_config(VOCAB + NEW_TOKENS)
    c.update({"_name_or_path": "tiny-gpt4roi-delta", "architectures": ["SPILlavaMPTForCausalLM"], "model_type": "llava",
              "mm_hidden_size": CLIP_C, "mm_vision_select_layer": -2, "mm_use_im_start_end": True,
              "mm_vision_tower": "openai/clip-vit-large-patch14", "use_mm_proj": True, "sep_image_conv_front": False,
              "tune_mm_mlp_adapter": False, "freeze_mm_mlp_adapter": False,
              "spi_module": {"embed_dims": SPI_C, "shuffle_channels": 1, "gn_num_groups": 2, "pos_hidden_dims": SPI_P}})
    return c


def save_sharded(sd, directory, split):
    names = list(sd)
    weight_map = {}
    for i, part in enumerate((names[:split], names[split:]), 1):
        f = f"pytorch_model-{i:05d}-of-00002.bin"
        torch.save(collections.OrderedDict((n, sd[n]) for n in part), os.path.join(directory, f))
        weight_map.update({n: f for n in part})
    total = sum(t.numel() * t.element_size() for t in sd.values())
    write_json(os.path.join(directory, "pytorch_model.bin.index.json"),
               {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))})


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)


def digest(sd):
    out = {}
    for name, t in sd.items():
        flat = t.reshape(-1).contiguous()
        raw = (flat.view(torch.int16) if t.dtype == torch.float16 else flat).numpy().tobytes()
        out[name] = {"dtype": DTYPE[t.dtype], "shape": list(t.shape), "sha256": hashlib.sha256(raw).hexdigest()}
    return out


def f16_sums():
    """Bit patterns (a, b, torch's (a.float() + b.float()).half()) for F16 b, and for F32 b."""
    gg = torch.Generator().manual_seed(5)
    specials = torch.tensor([0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x3c00, 0xbc00, 0x3c01, 0x1000, 0x7bff,
                             0xfbff, 0x7c00, 0xfc00, 0x7e00, 0xfe00, 0x7c01, 0x7d55, 0x0200, 0x1400], dtype=torch.int32)
    a = torch.cat([specials.repeat_interleave(len(specials)), torch.randint(0, 65536, (1000,), generator=gg, dtype=torch.int32)])
    b = torch.cat([specials.repeat(len(specials)), torch.randint(0, 65536, (1000,), generator=gg, dtype=torch.int32)])
    ah, bh = a.to(torch.int16).view(torch.float16), b.to(torch.int16).view(torch.float16)
    r = (ah.float() + bh.float()).half().view(torch.int16).to(torch.int32) & 0xffff
    b32 = torch.randn(500, generator=gg) * torch.exp2(torch.randint(-30, 18, (500,), generator=gg).float())
    a32 = torch.randint(0, 65536, (500,), generator=gg, dtype=torch.int32)
    r32 = (a32.to(torch.int16).view(torch.float16).float() + b32).half().view(torch.int16).to(torch.int32) & 0xffff
    return {"f16_f16": torch.stack([a, b, r], 1).tolist(),
            "f16_f32": [[x, y, z] for x, y, z in zip(a32.tolist(), b32.view(torch.int32).tolist(), r32.tolist())]}


def main():
    for d in ("base", "delta", "clip"):
        shutil.rmtree(os.path.join(HERE, d), ignore_errors=True)
        os.makedirs(os.path.join(HERE, d))
    base = make_base()
    delta = make_delta(base)
    merged = merge(delta, base)
    clip = make_clip()

    save_sharded(base, os.path.join(HERE, "base"), split=len(base) // 2)
    write_json(os.path.join(HERE, "base", "config.json"), llama_config(VOCAB))
    open(os.path.join(HERE, "base", "tokenizer.model"), "wb").write(b"stand-in for LLaMA's tokenizer.model (base)\n")

    save_sharded(delta, os.path.join(HERE, "delta"), split=len(delta) // 3)
    write_json(os.path.join(HERE, "delta", "config.json"), delta_config())
    open(os.path.join(HERE, "delta", "tokenizer.model"), "wb").write(b"stand-in for LLaMA's tokenizer.model (delta)\n")
    write_json(os.path.join(HERE, "delta", "added_tokens.json"), ADDED)
    write_json(os.path.join(HERE, "delta", "special_tokens_map.json"),
               {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "[PAD]", "unk_token": "<unk>"})
    write_json(os.path.join(HERE, "delta", "tokenizer_config.json"),
               {"model_max_length": 2048, "tokenizer_class": "LlamaTokenizer"})

    torch.save(clip, os.path.join(HERE, "clip", "pytorch_model.bin"))
    write_json(os.path.join(HERE, "clip", "config.json"), CLIP_CONFIG)

    vision = collections.OrderedDict((n, t) for n, t in clip.items() if n.startswith("vision_model."))
    write_json(os.path.join(HERE, "expected.json"),
               {"model": digest(merged), "clip": digest(vision), "clip_config": CLIP_CONFIG_FLAT})
    with open(os.path.join(HERE, "f16_sums.json"), "w") as f:
        json.dump(f16_sums(), f, separators=(",", ":"))


if __name__ == "__main__":
    main()
