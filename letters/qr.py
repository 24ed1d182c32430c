"""QR codes for the inserter, drawn as vector rectangles.

ReportLab's encoder (`reportlab.graphics.barcode.qrencoder`) is the reference: it tries all eight
masks for every code and rebuilds the Reed-Solomon generator each time, about 7 ms per code — more
than rendering a whole page. Every page of a batch carries its own code, so `QRStamp` keeps what
does not change between codes of one version (function patterns, format bits, the order of the data
modules, the mask, the generator polynomial) and only encodes the payload per page: about 0.1 ms.
It uses ReportLab's own tables and a fixed mask (every mask is valid per ISO/IEC 18004; choosing
the "best" one is an optimisation for the scanner, not a requirement), and the tests check it
module-for-module against ReportLab's `QRCode.makeImpl` with the same version, level and mask.
"""
from __future__ import annotations

import operator
from functools import lru_cache

from reportlab.graphics.barcode import qrencoder as _q

LEVEL_M = _q.QRErrorCorrectLevel.M
MASK = 0


class QRStamp:
    """Encoder for byte-mode payloads of one QR version at error-correction level M."""

    def __init__(self, version: int, level: int = LEVEL_M, mask: int = MASK):
        if not 1 <= version <= 9:  # byte-mode length field is 8 bits up to version 9
            raise ValueError("QRStamp supports versions 1-9")
        self.version, self.level, self.mask = version, level, mask
        ref = _q.QRCode(version, level)
        ref.makeImpl(False, mask)  # empty payload: function patterns and format bits
        self.size = ref.moduleCount
        positions = list(ref._dataPosIterator())
        maskf = _q.QRUtil.getMask(mask)
        # flat index of each data module and its mask bit
        self._pos = [row * self.size + col for col, row in positions]
        self._maskint = int.from_bytes(bytes(1 if maskf(row, col) else 0 for col, row in positions), "big")
        base = bytearray(self.size * self.size)
        for r, line in enumerate(ref.modules):
            for c, dark in enumerate(line):
                base[r * self.size + c] = 1 if dark else 0
        self._base = bytes(base)
        self._blocks = [(b.dataCount, b.totalCount - b.dataCount) for b in _q.QRRSBlock.getRSBlocks(version, level)]
        self.capacity_bytes = sum(d for d, _ in self._blocks)
        self.max_payload = self.capacity_bytes - 2  # 4-bit mode + 8-bit count + terminator

    def codewords(self, payload: bytes) -> list[int]:
        n = len(payload)
        if n > self.max_payload:
            raise ValueError(f"payload of {n} bytes exceeds version {self.version}")
        # mode 0100, 8-bit count, data, terminator 0000 (fits because max_payload leaves room)
        bits = (0x4 << 8 | n)
        for b in payload:
            bits = bits << 8 | b
        nbits = 12 + 8 * n
        total = self.capacity_bytes * 8
        term = min(4, total - nbits)
        bits <<= term
        nbits += term
        pad = (-nbits) % 8
        bits <<= pad
        nbits += pad
        data = list(bits.to_bytes(nbits // 8, "big"))
        fill = (0xEC, 0x11)
        i = 0
        while len(data) < self.capacity_bytes:
            data.append(fill[i & 1])
            i += 1
        dc, ec, offset = [], [], 0
        for count, eccount in self._blocks:
            block = data[offset:offset + count]
            offset += count
            dc.append(block)
            ec.append(_rs_remainder(block, eccount))
        out = []
        for group in (dc, ec):
            longest = max(len(b) for b in group)
            for i in range(longest):
                for b in group:
                    if i < len(b):
                        out.append(b[i])
        return out

    def _masked(self, payload: bytes) -> bytes:
        """The data modules (0/1 bytes, placement order) after masking; remainder bits are 0."""
        nbits = len(self._pos)
        bits = b"".join([_BITS[w] for w in self.codewords(payload)])[:nbits].ljust(nbits, b"\0")
        return (int.from_bytes(bits, "big") ^ self._maskint).to_bytes(nbits, "big")

    def _getter(self, padded: bool):
        """An itemgetter that picks, from base modules + masked data + one zero byte, the modules in
        row-major order (`padded`: each row padded with zeros to whole bytes, as an image wants)."""
        key = "_get_padded" if padded else "_get_plain"
        getter = getattr(self, key, None)
        if getter is None:
            n = self.size
            base = n * n
            zero = base + len(self._pos)
            source = list(range(base))
            for k, p in enumerate(self._pos):
                source[p] = base + k
            width = (n + 7) // 8 * 8 if padded else n
            idx = [source[r * n + c] if c < n else zero for r in range(n) for c in range(width)]
            getter = operator.itemgetter(*idx)
            setattr(self, key, getter)
        return getter

    def matrix(self, payload: bytes) -> bytearray:
        """Row-major modules (1 = dark) of the code for `payload`."""
        return bytearray(self._getter(False)(self._base + self._masked(payload) + b"\0"))

    def pdf_ops(self, payload: bytes, x: float, y: float, module: float) -> str:
        """PDF operators painting the code with its lower-left corner at (x, y) points, `module`
        points per module (quiet zone not included: keep 4 modules clear around it).

        The code is an inline image mask (1 bit per module, rows top down and padded to whole
        bytes, /Decode [1 0] so that 1 paints): one operator per code instead of a rectangle per run
        of dark modules, and the renderer maps modules to device pixels without interpolation."""
        n = self.size
        bits = bytes(self._getter(True)(self._base + self._masked(payload) + b"\0")).translate(_ASCII_BITS)
        data = int(bits, 2).to_bytes(len(bits) // 8, "big").hex()
        side = module * n
        return (f"q {side:.3f} 0 0 {side:.3f} {x:.3f} {y:.3f} cm BI /IM true /W {n} /H {n} /BPC 1 /D [1 0] "
                f"/F /AHx ID {data}> EI Q")


_ASCII_BITS = bytes.maketrans(b"\x00\x01", b"01")
_BITS = [bytes((w >> s) & 1 for s in range(7, -1, -1)) for w in range(256)]


@lru_cache(maxsize=None)
def _generator(eccount: int) -> tuple[int, ...]:
    """Reed-Solomon generator polynomial coefficients (highest power first, leading 1 dropped)."""
    poly = _q.QRUtil.getErrorCorrectPolynomial(eccount)
    return tuple(poly.get(i) for i in range(1, poly.getLength()))


_EXP = _q.EXP_TABLE
_LOG = _q.LOG_TABLE


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[(_LOG[a] + _LOG[b]) % 255]


@lru_cache(maxsize=None)
def _mul_table(eccount: int) -> tuple[int, ...]:
    """For each byte f, the generator's coefficients times f packed into one integer (first
    coefficient in the most significant byte): the remainder update becomes one shift and one XOR."""
    gen = _generator(eccount)
    return tuple(int.from_bytes(bytes(_gf_mul(g, f) for g in gen), "big") for f in range(256))


def _rs_remainder(data: list[int], eccount: int) -> list[int]:
    table = _mul_table(eccount)
    shift = 8 * (eccount - 1)
    mask = (1 << (8 * eccount)) - 1
    rem = 0
    for byte in data:
        rem = ((rem << 8) & mask) ^ table[byte ^ (rem >> shift)]
    return list(rem.to_bytes(eccount, "big"))


_STAMPS: dict[int, QRStamp] = {}


def stamp_for(payload: bytes) -> QRStamp:
    """The smallest version (from 2, for a steady size on the page) that holds `payload`."""
    for version in range(2, 10):
        st = _STAMPS.get(version)
        if st is None:
            st = _STAMPS[version] = QRStamp(version)
        if len(payload) <= st.max_payload:
            return st
    raise ValueError(f"QR payload too long ({len(payload)} bytes)")


def reference_matrix(payload: bytes, version: int, level: int = LEVEL_M, mask: int = MASK) -> bytearray:
    """ReportLab's own encoding of the same code, for the tests."""
    ref = _q.QRCode(version, level)
    ref.addData(_q.QR8bitByte(payload))
    ref.makeImpl(False, mask)
    n = ref.moduleCount
    return bytearray(1 if ref.modules[r][c] else 0 for r in range(n) for c in range(n))
