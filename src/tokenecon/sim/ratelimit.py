"""Per-account rate limits (requests and tokens per minute) as token buckets.

A bucket holds at most one minute's allowance and refills continuously, the way provider
limits behave in practice: a full minute's burst is allowed, then the steady rate.
"""

from __future__ import annotations

__all__ = ["RateLimiter"]


class RateLimiter:
    """RPM and TPM buckets for every account of one provider; `None` disables a limit."""

    __slots__ = ("rpm", "tpm", "_req_level", "_tok_level", "_last")

    def __init__(self, accounts: int, rpm: int | None, tpm: int | None):
        self.rpm = rpm
        self.tpm = tpm
        self._req_level = [float(rpm or 0)] * accounts
        self._tok_level = [float(tpm or 0)] * accounts
        self._last = [0.0] * accounts

    def check(self, account: int, tokens: int, now: float) -> int:
        """0 if admitted (and charged to the buckets), 1 if over RPM, 2 if over TPM."""
        elapsed = now - self._last[account]
        self._last[account] = now
        rpm, tpm = self.rpm, self.tpm
        req = tok = 0.0
        if rpm is not None:
            req = min(float(rpm), self._req_level[account] + elapsed * rpm / 60.0)
            self._req_level[account] = req
            if req < 1.0:
                return 1
        if tpm is not None:
            tok = min(float(tpm), self._tok_level[account] + elapsed * tpm / 60.0)
            self._tok_level[account] = tok
            if tok < tokens:
                return 2
        if rpm is not None:
            self._req_level[account] = req - 1.0
        if tpm is not None:
            self._tok_level[account] = tok - tokens
        return 0
