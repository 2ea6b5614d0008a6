"""Text extraction per accepted format, for search (P-29).

Pure Python with no Django import: it runs only inside the sandbox subprocess (see
`sandbox.py`), where a time and memory limit contain a parser that a hostile file sends
into a loop or an allocation spiral.
"""

from __future__ import annotations

import io

from .checks import DOCX, ODT, PDF, RTF, TEXT, text_decode

# Search needs the words, not the whole of a 500-page file.
MAX_CHARS = 1_000_000


class NoText(Exception):
    """The format carries no text to extract (images)."""


def extract_text(fmt: str, data: bytes) -> str:
    """The text of an accepted file, at most MAX_CHARS characters. Raises NoText for
    formats without text, and whatever the parser raises for a file it cannot read."""
    extractor = _EXTRACTORS.get(fmt)
    if extractor is None:
        raise NoText(fmt)
    return extractor(data)[:MAX_CHARS]


def _pdf(data: bytes) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    parts: list[str] = []
    size = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size >= MAX_CHARS:
            break
    return "\n\n".join(parts)


def _docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _odt(data: bytes) -> str:
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    blocks = {(TEXTNS, "p"), (TEXTNS, "h")}
    document = load(io.BytesIO(data))
    parts: list[str] = []
    # Depth first, in document order, without recursion: nesting is the file's to choose.
    stack = [document.text]
    while stack:
        node = stack.pop()
        if getattr(node, "qname", None) in blocks:
            parts.append(teletype.extractText(node))
            continue
        stack.extend(reversed([c for c in node.childNodes if c.nodeType == c.ELEMENT_NODE]))
    return "\n".join(parts)


def _rtf(data: bytes) -> str:
    from striprtf.striprtf import rtf_to_text

    # RTF is 7-bit with escapes for everything else; Latin-1 maps every byte.
    return str(rtf_to_text(data.decode("latin-1"), errors="ignore"))


def _text(data: bytes) -> str:
    return text_decode(data)[0]


_EXTRACTORS = {PDF: _pdf, DOCX: _docx, ODT: _odt, RTF: _rtf, TEXT: _text}
