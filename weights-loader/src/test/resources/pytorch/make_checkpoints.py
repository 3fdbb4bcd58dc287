#!/usr/bin/python3
"""Makes the PyTorch checkpoints the Java reader is tested on (run with Debian's python3-torch 1.13).

    cd weights-loader/src/test/resources/pytorch && /usr/bin/python3 make_checkpoints.py

Writes, next to this script:
  mixed.pt           torch.save of a state dict: F16/F32/BF16/F64/I64 tensors, a transposed view, two
                     tensors sharing one storage, storage offsets, a stride-0 (expanded) view, a 0-d and
                     an empty tensor, F16 inf/nan/-0/subnormals
  protocol4.pt       the same dict saved with pickle protocol 4 (FRAME, MEMOIZE, SHORT_BINUNICODE, ...)
  zip64.pt           mixed.pt without its empty tensor, re-zipped with zip64 records everywhere (as in a
                     > 4 GB shard; torch's own reader rejects Python's zip64 record of a 0-byte entry)
  sharded/           pytorch_model-0000N-of-00002.bin + pytorch_model.bin.index.json
  expected.json      for every tensor above: dtype, shape, and its contiguous little-endian bytes (hex)
  values.pkl,        plain pickles (protocol 2 and 4) of ints of every width, str, None/True/False, tuples,
  values4.pkl,       lists, dicts and > 256 memoised objects, for the unpickler itself; values.json = the
  values.json        same value as JSON (tuples as lists)
  hostile/           files the reader must refuse with a clear error: pickles naming os.system,
                     builtins.eval, builtins.exec (STACK_GLOBAL); a truncated zip; a compressed entry; the
                     legacy (non-zip) format; a storage key with no entry; a view past its storage; a
                     storage entry shorter than its declared size; crafted_ok.pt (same crafting, sound)
Byte-for-byte reproducible (fixed seeds, fixed zip timestamps), except hostile/legacy.pt, whose storage
keys are object ids.
"""
import collections, io, json, os, pickle, struct, zipfile
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPE = {torch.float16: "F16", torch.float32: "F32", torch.bfloat16: "BF16", torch.float64: "F64", torch.int64: "I64"}
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def raw_bytes(t):
    """Contiguous little-endian bytes of t (what the Java reader must produce after materialising)."""
    flat = t.reshape(-1).contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        flat = flat.view(torch.int16)
    return flat.numpy().astype(flat.numpy().dtype.newbyteorder("<")).tobytes()


def describe(sd):
    return {k: {"dtype": DTYPE[v.dtype], "shape": list(v.shape), "hex": raw_bytes(v).hex()} for k, v in sd.items()}


def mixed_state_dict():
    g = torch.Generator().manual_seed(8)
    sd = collections.OrderedDict()
    half = torch.randn(3, 4, generator=g).half()
    half.view(-1)[:6] = torch.tensor([float("inf"), float("-inf"), float("nan"), -0.0, 6e-8, -3e-5]).half()
    sd["half"] = half
    sd["float"] = torch.randn(2, 3, 4, generator=g)
    sd["bf16"] = torch.randn(5, generator=g).bfloat16()
    sd["double"] = torch.randn(2, 2, generator=g, dtype=torch.float64)
    sd["position_ids"] = torch.arange(7).reshape(1, 7)
    sd["transposed"] = torch.randn(4, 6, generator=g).t()                  # [6,4], strides (1,6)
    big = torch.randn(5, 3, generator=g).half()
    sd["shared_head"] = big[0:2]                                            # storage shared with shared_tail
    sd["shared_tail"] = big[2:5]                                            # storage offset 6
    grid = torch.randn(4, 5, generator=g)
    sd["offset_view"] = grid[1:, 2:]                                        # offset 7, strides (5,1)
    sd["expanded"] = torch.randn(1, 3, generator=g).expand(4, 3)            # strides (0,1)
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 4, dtype=torch.float16)
    sd._metadata = collections.OrderedDict([("", {"version": 1})])
    return sd


def fixed_zip(src_path, dst_path, compression=zipfile.ZIP_STORED, zip64=False, drop=()):
    """Re-zips a torch checkpoint entry by entry (optionally compressed, with zip64 records, or without some entries)."""
    saved = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    if zip64:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 1, 1                 # every size/offset/count goes to zip64 fields
    try:
        with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(dst_path, "w", compression) as dst:
            for info in src.infolist():
                if info.filename in drop:
                    continue
                out = zipfile.ZipInfo(info.filename, FIXED_TIME)
                out.compress_type = compression
                dst.writestr(out, src.read(info.filename))
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = saved


def write_archive(path, data_pkl, storages, top="archive"):
    """A checkpoint laid out as torch.save lays it out, with a pickle we wrote ourselves."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(zipfile.ZipInfo(f"{top}/data.pkl", FIXED_TIME), data_pkl)
        for key, data in storages.items():
            z.writestr(zipfile.ZipInfo(f"{top}/data/{key}", FIXED_TIME), data)
        z.writestr(zipfile.ZipInfo(f"{top}/version", FIXED_TIME), b"3\n")


class FakeStorage:
    def __init__(self, key, storage_type, numel):
        self.key, self.storage_type, self.numel = key, storage_type, numel


class FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


class StatePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None


def state_pickle(entries):
    buf = io.BytesIO()
    StatePickler(buf, protocol=2).dump(collections.OrderedDict(entries))
    return buf.getvalue()


FOUR_FLOATS = struct.pack("<4f", 1.0, 2.0, 3.0, 4.0)
MARKER = "/tmp/gpt4roi-pickle-ran-code"


def evil(global_line, argument):
    """OrderedDict({'weight': <global>(argument)}) by hand: GLOBAL + REDUCE, as an attack would be written."""
    arg = argument.encode()
    return (b"\x80\x02ccollections\nOrderedDict\n)R(X\x06\x00\x00\x00weight" + b"c" + global_line
            + b"X" + struct.pack("<I", len(arg)) + arg + b"\x85Ru.")


def evil_stack_global():
    """Protocol 4: STACK_GLOBAL builtins.exec."""
    arg = f"open('{MARKER}','w')".encode()
    return (b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x8c\x04exec\x93"
            + b"\x8c" + bytes([len(arg)]) + arg + b"\x85R.")


def make_hostile(mixed_path):
    d = os.path.join(HERE, "hostile")
    os.makedirs(d, exist_ok=True)
    write_archive(f"{d}/os_system.pt", evil(b"os\nsystem\n", f"touch {MARKER}"), {})
    write_archive(f"{d}/builtins_eval.pt", evil(b"builtins\neval\n", f"open('{MARKER}','w')"), {})
    write_archive(f"{d}/stack_global_exec.pt", evil_stack_global(), {})
    data = open(mixed_path, "rb").read()
    open(f"{d}/truncated.pt", "wb").write(data[: len(data) // 2])
    fixed_zip(mixed_path, f"{d}/compressed.pt", compression=zipfile.ZIP_DEFLATED)
    torch.save(collections.OrderedDict(w=torch.ones(3)), f"{d}/legacy.pt", _use_new_zipfile_serialization=False)
    # The crafted layout itself is sound: torch.load reads this one (checked below) and so must Java.
    good = FakeStorage("0", torch.FloatStorage, 4)
    write_archive(f"{d}/crafted_ok.pt", state_pickle([("w", FakeTensor(good, 1, (3,), (1,)))]), {"0": FOUR_FLOATS})
    assert torch.equal(torch.load(f"{d}/crafted_ok.pt")["w"], torch.tensor([2.0, 3.0, 4.0]))
    missing = FakeStorage("7", torch.FloatStorage, 4)
    write_archive(f"{d}/missing_storage.pt", state_pickle([("w", FakeTensor(missing, 0, (4,), (1,)))]), {"0": FOUR_FLOATS})
    write_archive(f"{d}/offset_past_storage.pt", state_pickle([("w", FakeTensor(good, 3, (4,), (1,)))]), {"0": FOUR_FLOATS})
    short = FakeStorage("0", torch.FloatStorage, 8)
    write_archive(f"{d}/short_storage.pt", state_pickle([("w", FakeTensor(short, 0, (8,), (1,)))]), {"0": FOUR_FLOATS})


def make_values():
    strings = [f"s{i}" for i in range(300)]
    value = collections.OrderedDict()
    value["ints"] = [0, 1, 255, 256, 65535, 65536, -1, -2**31, 2**31 - 1, 2**31, 2**33 + 5, -2**40, 2**63 - 1, -2**63]
    value["strings"] = ["", "ascii", "\u00fcn\u00efc\u00f8d\u00e9 \u2713", "x" * 300]
    value["constants"] = (None, True, False)
    value["tuples"] = [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)]
    value["memo"] = strings + strings          # second half: BINGET/LONG_BINGET of memoised strings
    value["dict"] = {"a": 1, "b": {"c": [1, 2]}}
    open(os.path.join(HERE, "values.pkl"), "wb").write(pickle.dumps(value, protocol=2))
    open(os.path.join(HERE, "values4.pkl"), "wb").write(pickle.dumps(value, protocol=4))
    with open(os.path.join(HERE, "values.json"), "w") as f:
        json.dump(value, f)


def main():
    torch.manual_seed(0)
    sd = mixed_state_dict()
    expected = describe(sd)
    mixed = os.path.join(HERE, "mixed.pt")
    torch.save(sd, mixed)
    torch.save(sd, os.path.join(HERE, "protocol4.pt"), pickle_protocol=4)
    no_empty = os.path.join(HERE, "no_empty.tmp")
    torch.save(collections.OrderedDict((k, v) for k, v in sd.items() if v.numel() > 0), no_empty)
    fixed_zip(no_empty, os.path.join(HERE, "zip64.pt"), zip64=True)
    os.remove(no_empty)
    for f in ("protocol4.pt", "zip64.pt"):
        back = torch.load(os.path.join(HERE, f))
        assert all(raw_bytes(back[k]) == raw_bytes(sd[k]) for k in back), f

    g = torch.Generator().manual_seed(9)
    shards = [collections.OrderedDict([("model.layers.0.w", torch.randn(3, 2, generator=g).half()),
                                       ("model.layers.0.b", torch.randn(3, generator=g).half())]),
              collections.OrderedDict([("lm_head.weight", torch.randn(2, 3, generator=g).half())])]
    sdir = os.path.join(HERE, "sharded")
    os.makedirs(sdir, exist_ok=True)
    weight_map = {}
    for i, shard in enumerate(shards, 1):
        name = f"pytorch_model-{i:05d}-of-{len(shards):05d}.bin"
        torch.save(shard, os.path.join(sdir, name))
        weight_map.update({k: name for k in shard})
        expected.update(describe(shard))
    total = sum(v.numel() * v.element_size() for s in shards for v in s.values())
    with open(os.path.join(sdir, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    make_hostile(mixed)
    make_values()


if __name__ == "__main__":
    main()
