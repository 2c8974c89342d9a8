"""Vault costs: sealing and opening a 2 KB value per suite, Argon2id derivations, attachment streaming.

What each number decides:

* **seal** runs on every intake write (a web report seals about six values); **open** runs when an
  officer reads a case. Both are printed per suite, so the price of the post-quantum hybrid over
  X25519 alone is a ratio, not a guess.
* **Argon2id** runs once per receipt check (``RECEIPT_PARAMS``, a follow-up sign-in) and once per officer
  sign-in (``OFFICER_PARAMS``). Its time bounds how many concurrent follow-up sign-ins a core can serve.
* **stream** is chunked AES-256-GCM over an attachment, in MB/s each way.

Keys are generated in memory; nothing is written. Run:
``.venv/bin/python benchmarks/vault.py [--seconds 2] [--mb 25]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from signalement.vault.kdf import OFFICER_PARAMS, RECEIPT_PARAMS, derive
from signalement.vault.keystore import PublicKey
from signalement.vault.opening import open_with, private_key_from_bytes
from signalement.vault.seal import seal
from signalement.vault.stream import StreamEncryptor, decrypt_stream, new_data_key
from signalement.vault.suites import SuiteName, generate_private_bytes, public_bytes_for

VALUE = os.urandom(2048)


def rate(fn: Callable[[], object], seconds: float) -> tuple[float, float]:
    """Calls per second over ``seconds``, and the median time of one call in milliseconds."""
    times: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return len(times) / sum(times), statistics.median(times) * 1000


def bench_suites(seconds: float) -> dict[SuiteName, tuple[float, float]]:
    results = {}
    for suite in (SuiteName.X25519, SuiteName.HYBRID):
        raw = generate_private_bytes(suite)
        public = PublicKey(key_id=f"bench-{suite.value}", suite=suite, purpose="epoch",
                           public=public_bytes_for(suite, raw))
        private = private_key_from_bytes(suite, raw)
        envelope = seal(VALUE, public, case_id="c1", field="narrative")
        assert open_with(envelope, private, suite, public.key_id, case_id="c1", field="narrative") == VALUE
        seal_rate, seal_ms = rate(lambda public=public: seal(VALUE, public, case_id="c1", field="narrative"), seconds)
        open_rate, open_ms = rate(
            lambda e=envelope, p=private, s=suite, k=public.key_id: open_with(e, p, s, k, case_id="c1",
                                                                              field="narrative"),
            seconds,
        )
        print(f"{suite.value:>24}  seal {seal_rate:8.0f}/s ({seal_ms:.3f} ms)   "
              f"open {open_rate:8.0f}/s ({open_ms:.3f} ms)   envelope {len(envelope)} B for 2048 B")
        results[suite] = (seal_rate, open_rate)
    return results


def bench_argon2() -> None:
    for name, params in (("receipt", RECEIPT_PARAMS), ("officer", OFFICER_PARAMS)):
        _, ms = rate(lambda p=params: derive(p, b"0123456789012345", os.urandom(16)), 0.0)
        print(f"{'argon2id ' + name:>24}  {ms:8.1f} ms per derivation "
              f"(m={params.memory_kib // 1024} MiB, t={params.iterations}, p={params.lanes})")


def bench_stream(mb: int) -> None:
    body = os.urandom(1024 * 1024)
    key = new_data_key()

    def source():  # noqa: ANN202
        for _ in range(mb):
            yield body

    t0 = time.perf_counter()
    enc = StreamEncryptor(key, b"bench")
    chunks = list(enc.encrypt(source()))
    t_enc = time.perf_counter() - t0
    t0 = time.perf_counter()
    total = sum(len(part) for part in decrypt_stream(key, enc.header, b"bench", chunks))
    t_dec = time.perf_counter() - t0
    assert total == mb * len(body)
    print(f"{'stream AES-256-GCM':>24}  encrypt {mb / t_enc:7.0f} MB/s   decrypt {mb / t_dec:7.0f} MB/s   ({mb} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per seal/open measurement")
    parser.add_argument("--mb", type=int, default=25, help="attachment size for the stream measurement")
    args = parser.parse_args()
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    results = bench_suites(args.seconds)
    x, h = results[SuiteName.X25519], results[SuiteName.HYBRID]
    print(f"{'hybrid / x25519':>24}  seal {h[0] / x[0]:.2f}x the rate   open {h[1] / x[1]:.2f}x the rate")
    bench_argon2()
    bench_stream(args.mb)


if __name__ == "__main__":
    main()
