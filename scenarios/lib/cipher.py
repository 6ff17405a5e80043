"""``aes(action, file, key)``: real AES-256 in counter mode (CTR), vectorised in numpy (compute).

AES is implemented here from FIPS-197 with 32-bit T-tables, one numpy lookup per byte of state
per round over every block of a chunk at once; it is checked against the FIPS-197 test vector
at first use. CTR mode makes encryption and decryption the same keystream XOR. No cipher
package is installed on this machine, hence numpy.

The input files live in ``scenarios/out/`` (gitignored). The scenario's two inputs are
generated deterministically on first use: ``myvideo.mp4`` (40 MiB of synthetic video-like
bytes: an MP4-style header and low-entropy frame data, not a playable video) and ``chat.txt``
(a generated chat export, about 2.4 MB). CTR uses the first 8 bytes of the stored 16-byte
nonce followed by a 64-bit block counter, which matches ``openssl enc -aes-256-ctr`` with that
16-byte IV.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sys
import threading
import time
from pathlib import Path

import numpy as np

_ROOT = str(Path(__file__).resolve().parents[1])
if __package__ != "lib" and _ROOT not in sys.path:  # loaded by file path: make `lib` importable
    sys.path.append(_ROOT)
from lib.common import OUT_DIR, inside  # noqa: E402

# --------------------------------------------------------------------------------------------
# AES core
# --------------------------------------------------------------------------------------------


def _sbox() -> np.ndarray:
    sbox = [0] * 256
    p = q = 1
    while True:  # generate via the multiplicative inverse over GF(2^8) and the affine map
        p = p ^ ((p << 1) & 0xFF) ^ (0x1B if p & 0x80 else 0)
        q ^= q << 1
        q ^= q << 2
        q ^= q << 4
        q &= 0xFF
        if q & 0x80:
            q ^= 0x09
        x = q ^ ((q << 1) | (q >> 7)) ^ ((q << 2) | (q >> 6)) ^ ((q << 3) | (q >> 5)) \
            ^ ((q << 4) | (q >> 4))
        sbox[p] = (x ^ 0x63) & 0xFF
        if p == 1:
            break
    sbox[0] = 0x63
    return np.array(sbox, dtype=np.uint8)


SBOX = _sbox()


def _xtime(b: int) -> int:
    return ((b << 1) ^ (0x1B if b & 0x80 else 0)) & 0xFF


def _tables() -> list[np.ndarray]:
    t0 = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        s = int(SBOX[i])
        s2 = _xtime(s)
        s3 = s2 ^ s
        t0[i] = (s2 << 24) | (s << 16) | (s << 8) | s3
    rot = [t0]
    for _ in range(3):
        prev = rot[-1]
        rot.append(((prev >> np.uint32(8)) | (prev << np.uint32(24))).astype(np.uint32))
    return rot


T = _tables()
_RCON = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1B, 0x36]


def expand_key(key: bytes) -> np.ndarray:
    """Round keys as uint32 words (big-endian columns), shape (rounds + 1, 4)."""
    if len(key) not in (16, 24, 32):
        raise ValueError("AES keys are 16, 24 or 32 bytes")
    nk = len(key) // 4
    rounds = nk + 6
    w = [int.from_bytes(key[4 * i : 4 * i + 4], "big") for i in range(nk)]
    for i in range(nk, 4 * (rounds + 1)):
        t = w[i - 1]
        if i % nk == 0:
            t = ((t << 8) & 0xFFFFFFFF) | (t >> 24)
            t = int.from_bytes(bytes(int(SBOX[b]) for b in t.to_bytes(4, "big")), "big")
            t ^= _RCON[i // nk - 1] << 24
        elif nk > 6 and i % nk == 4:
            t = int.from_bytes(bytes(int(SBOX[b]) for b in t.to_bytes(4, "big")), "big")
        w.append(w[i - nk] ^ t)
    return np.array(w, dtype=np.uint32).reshape(rounds + 1, 4)


def encrypt_blocks(cols: np.ndarray, round_keys: np.ndarray) -> np.ndarray:
    """AES-encrypt blocks given as uint32 columns, shape (4, n). Returns the same shape."""
    s = [cols[i] ^ round_keys[0, i] for i in range(4)]
    m8 = np.uint32(0xFF)
    sh = [np.uint32(24), np.uint32(16), np.uint32(8)]
    t0, t1, t2, t3 = T
    rounds = len(round_keys) - 1
    for r in range(1, rounds):
        b0 = [(c >> sh[0]) for c in s]
        b1 = [(c >> sh[1]) & m8 for c in s]
        b2 = [(c >> sh[2]) & m8 for c in s]
        b3 = [c & m8 for c in s]
        s = [t0[b0[i]] ^ t1[b1[(i + 1) % 4]] ^ t2[b2[(i + 2) % 4]] ^ t3[b3[(i + 3) % 4]]
             ^ round_keys[r, i] for i in range(4)]
    sb = SBOX.astype(np.uint32)
    out = []
    for i in range(4):
        out.append((sb[s[i] >> sh[0]] << sh[0]) | (sb[(s[(i + 1) % 4] >> sh[1]) & m8] << sh[1])
                   | (sb[(s[(i + 2) % 4] >> sh[2]) & m8] << sh[2]) | sb[s[(i + 3) % 4] & m8])
        out[-1] ^= round_keys[rounds, i]
    return np.stack(out)


def _self_test() -> None:
    # FIPS-197 appendix C.3 (AES-256).
    key = bytes(range(32))
    block = bytes.fromhex("00112233445566778899aabbccddeeff")
    cols = np.frombuffer(block, dtype=">u4").astype(np.uint32).reshape(4, 1)
    got = encrypt_blocks(cols, expand_key(key)).T.astype(">u4").tobytes()
    if got.hex() != "8ea2b7ca516745bfeafc49904b496089":
        raise AssertionError(f"AES self-test failed: {got.hex()}")


def ctr_xor(data: bytes, key: bytes, nonce: bytes, chunk: int = 1 << 20) -> bytes:
    """AES-CTR: XOR ``data`` with the keystream of (nonce || 64-bit big-endian counter)."""
    rk = expand_key(key)
    n_blocks = math.ceil(len(data) / 16)
    nonce_words = np.frombuffer(nonce[:8], dtype=">u4").astype(np.uint32)
    out = bytearray(len(data))
    per = chunk // 16
    for start in range(0, n_blocks, per):
        stop = min(n_blocks, start + per)
        counter = np.arange(start, stop, dtype=np.uint64)
        cols = np.empty((4, stop - start), dtype=np.uint32)
        cols[0], cols[1] = nonce_words[0], nonce_words[1]
        cols[2] = (counter >> np.uint64(32)).astype(np.uint32)
        cols[3] = (counter & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        stream = encrypt_blocks(cols, rk).T.astype(">u4").tobytes()
        a, b = start * 16, min(len(data), stop * 16)
        plain = np.frombuffer(data, dtype=np.uint8, count=b - a, offset=a)
        out[a:b] = (plain ^ np.frombuffer(stream, dtype=np.uint8, count=b - a)).tobytes()
    return bytes(out)


_self_test()

# --------------------------------------------------------------------------------------------
# Inputs and the scenario function
# --------------------------------------------------------------------------------------------

VIDEO_BYTES = 40 * 1024 * 1024
CHAT_LINES = 40_000


def _make_video(path: Path, size: int = VIDEO_BYTES) -> None:
    """Deterministic video-like bytes: an MP4-style header then smooth moving 'frames' with
    sensor noise (low entropy, like raw video; not a playable file)."""
    rng = np.random.default_rng(2024)
    frame_w, frame_h = 640, 360
    yy, xx = np.mgrid[0:frame_h, 0:frame_w]
    base = (xx * 0.2 + yy * 0.3 + 40 * np.sin((xx + yy) / 50)).astype(np.float32)
    header = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
    with path.open("wb") as fh:
        fh.write(header)
        written = len(header)
        f = 0
        while written < size:
            frame = np.roll(base, (2 * f, 3 * f), axis=(0, 1)).ravel()
            frame = (frame + rng.integers(0, 6, size=frame.size)) % 256
            chunk = frame.astype(np.uint8).tobytes()[: size - written]
            fh.write(chunk)
            written += len(chunk)
            f += 1


def _make_chat(path: Path, lines: int = CHAT_LINES) -> None:
    rng = np.random.default_rng(7)
    people = ["Alice", "Bob", "Carol", "Dan"]
    phrases = ["are we still on for the call at", "I sent the slides, can you check page",
               "the video froze again around minute", "let's encrypt the recording before",
               "sounds good, talk at", "can you hear me now? it says", "I'll share my screen in",
               "meeting notes are in the doc, section"]
    out = []
    for i in range(lines):
        who = people[int(rng.integers(4))]
        what = phrases[int(rng.integers(len(phrases)))]
        out.append(f"[2024-05-{1 + i // 2000:02d} {i // 60 % 24:02d}:{i % 60:02d}] {who}: "
                   f"{what} {int(rng.integers(1, 60))}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def ensure_inputs() -> None:
    """Generate ``out/myvideo.mp4`` and ``out/chat.txt`` if they are missing.

    The scenario's two aes calls run at once, and on a fresh checkout both find the inputs
    missing: each writes its own temporary file (named by its process and thread) and renames
    it into place. The bytes are the same and the rename is atomic, so either may win. With one
    shared temporary name, the second rename found it gone and its call failed."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    video, chat = OUT_DIR / "myvideo.mp4", OUT_DIR / "chat.txt"
    for path, make in ((video, _make_video), (chat, _make_chat)):
        if not path.exists():
            tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
            make(tmp)
            tmp.replace(path)


def _key_bytes(key: object) -> tuple[bytes, str]:
    """A 64-hex-digit key found in ``key`` is used as is; otherwise PBKDF2-HMAC-SHA256."""
    text = str(key)
    m = re.search(r"\b[0-9a-fA-F]{64}\b", text)
    if m:
        return bytes.fromhex(m.group()), "256-bit hex key"
    derived = hashlib.pbkdf2_hmac("sha256", text.encode("utf-8"), b"orchtui-e2e-demo", 100_000)
    return derived, "PBKDF2-HMAC-SHA256 (100,000 iterations) of the key text"


def _entropy(data: bytes) -> float:
    counts = np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)
    p = counts[counts > 0] / len(data)
    return float(-(p * np.log2(p)).sum())


def aes(action: str, file: str, key: object) -> dict:
    """Encrypt or decrypt ``file`` (under ``scenarios/out/``) with AES-256-CTR; return stats.

    ``action``: ``encrypt`` writes ``<file>.enc`` (16-byte nonce header + ciphertext);
    ``decrypt`` reads ``<file>.enc`` (or ``file`` if it ends in .enc), writes ``<file>.dec`` and
    checks it against the original when present. ``key``: any text; a 64-hex-digit key inside it
    is used directly, otherwise a key is derived with PBKDF2. The nonce is derived from the key
    and the file name, so runs are deterministic.
    """
    ensure_inputs()
    action = str(action).strip().lower()
    if action not in ("encrypt", "decrypt"):
        raise ValueError(f"action must be 'encrypt' or 'decrypt', not {action!r}")
    raw, key_source = _key_bytes(key)
    name = Path(str(file)).name
    plain_name = name.removesuffix(".enc")
    nonce = hashlib.sha256(raw + plain_name.encode()).digest()[:16]
    t0 = time.perf_counter()
    if action == "encrypt":
        src = inside(OUT_DIR, file, what="file")
        data = src.read_bytes()
        body = ctr_xor(data, raw, nonce)
        dst = src.with_name(src.name + ".enc")
        dst.write_bytes(nonce + body)
        elapsed = time.perf_counter() - t0
        check = None
    else:
        src = inside(OUT_DIR, file if name.endswith(".enc") else f"{file}.enc", what="file")
        blob = src.read_bytes()
        nonce, data = blob[:16], blob[16:]
        body = ctr_xor(data, raw, nonce)
        dst = src.with_name(plain_name + ".dec")
        dst.write_bytes(body)
        elapsed = time.perf_counter() - t0
        original = src.with_name(plain_name)
        check = (hashlib.sha256(original.read_bytes()).hexdigest()
                 == hashlib.sha256(body).hexdigest()) if original.exists() else None
    return {
        "cipher": "AES-256-CTR (numpy T-table implementation, FIPS-197 self-tested)",
        "action": action,
        "file": str(src.relative_to(OUT_DIR.parent)),
        "output": str(dst.relative_to(OUT_DIR.parent)),
        "key": key_source,
        "bytes": len(data),
        "seconds": round(elapsed, 3),
        "mb_per_s": round(len(data) / 1e6 / max(elapsed, 1e-9), 2),
        "size_ratio": round(dst.stat().st_size / max(1, len(data)), 6),
        "entropy_in_bits_per_byte": round(_entropy(data[: 1 << 22]), 4),
        "entropy_out_bits_per_byte": round(_entropy(body[: 1 << 22]), 4),
        "sha256_output_prefix": hashlib.sha256(body[: 1 << 20]).hexdigest()[:16],
        "roundtrip_ok": check,
    }
