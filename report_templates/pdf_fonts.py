"""Compact the embedded Chinese font of a PDF: a WeasyPrint `finisher` (run before the file is written).

WeasyPrint subsets a font keeping every glyph's ID (HarfBuzz `RETAIN_GIDS`), because its page content
names glyphs by their ID in the full font. For Noto Sans CJK the glyphs Chinese text uses lie near the
end of its 65,535, so each embedded subset keeps ~63,000 empty glyph slots with their metrics: ~150 KB
compressed per font weight, about three quarters of a county report's PDF, though the glyphs actually
drawn take ~30–60 KB. (A CID-keyed charset that maps new glyph IDs to the old CIDs is what the PDF
specification prescribes, but poppler draws by glyph ID: the IDs themselves have to change.)

Here each font is subset again from the full font, keeping only the glyphs used, numbered 0…n in
their original order, and every reference to a glyph is renumbered to match: the glyph codes in the
pages' text operators (TJ), the font's widths (W) and its ToUnicode map. Nothing else changes: the same
outlines, at the same positions, with the same text extraction (tests/test_report_render.py renders
both versions with poppler and compares the pixels). Fonts with glyphs missing from them (drawn as
.notdef through their own encoding), bitmap fonts and fonts used in forms are left as WeasyPrint wrote
them.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict

import pydyf

DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")
HEX_RUN = re.compile(rb"<([0-9a-f]*)>")
TO_UNICODE_ENTRY = re.compile(rb"^<([0-9a-f]{4})> (<[0-9a-f]*>)$")


def compact_fonts(document, pdf: pydyf.PDF) -> None:
    """The finisher: renumber each eligible font's used glyphs 0…n and embed only those. The fonts
    are subset and the pages renumbered aside first; if any glyph drawn is not in its font's new
    numbering, nothing changes."""
    groups: dict[str, list] = defaultdict(list)
    for font in document.fonts.values():
        groups[font.hash].append(font)
    remaps, streams, compacted = {}, {}, {}
    for name, fonts in groups.items():
        if any(f.bitmap or f.used_in_forms or f.missing or f.type != "otf" for f in fonts):
            continue
        used = sorted(set().union(*(f.to_unicode for f in fonts)) | {0})
        stream = next((o for o in pdf.objects if isinstance(o, pydyf.Stream) and o.stream
                       and any(o.stream[0] is f.file_content for f in fonts)), None)
        compact = _subset(fonts[0].hb_face, used) if stream is not None else None
        if compact is not None:  # else this font stays as WeasyPrint embedded it (and its pages' codes)
            streams[name], (compacted[name], remaps[name]) = stream, compact
    if not remaps:
        return
    # glyph codes as the pages write them (4 hex digits), old to new: one dictionary lookup per glyph
    codes = {name: {b"%04x" % old: b"%04x" % new for old, new in remap.items()} for name, remap in remaps.items()}
    try:
        pages = [(o, _renumbered_text(o.stream, codes)) for o in pdf.objects if isinstance(o, pydyf.Stream)]
    except KeyError:
        return  # a glyph drawn that no font lists: keep WeasyPrint's numbering
    for name, data in compacted.items():
        streams[name].stream = [data]
        _renumber_font_dictionaries(pdf, groups[name], remaps[name])
    for o, renumbered in pages:
        if renumbered is not None:
            o.stream = renumbered


def _subset(hb_face, glyphs: list[int]) -> tuple[bytes, dict[int, int]] | None:
    """`glyphs` of the full font renumbered in order (HarfBuzz without RETAIN_GIDS, otherwise WeasyPrint's
    flags and dropped tables), and the new number of each. HarfBuzz may keep a few more glyphs than
    asked: the numbering is read back from the subset's CFF charset, whose CIDs are the full font's
    glyph IDs in a CID-keyed font like Noto Sans CJK. None if the subset is not such a font."""
    from fontTools.ttLib import TTFont
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    if harfbuzz_subset is None:
        return None
    subset_input = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
    ids = ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs)
    harfbuzz.hb_set_add_sorted_array(harfbuzz_subset.hb_subset_input_glyph_set(subset_input), ids, len(glyphs))
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
                                              | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
                                              | harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
                                              | harfbuzz_subset.HB_SUBSET_FLAGS_NO_LAYOUT_CLOSURE)
    tags = sorted(harfbuzz.hb_tag_from_string(t, -1) for t in DROP_TABLES)
    drop = harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))
    face = harfbuzz_subset.hb_subset_or_fail(hb_face, subset_input)
    if face == ffi.NULL:
        return None
    data = get_hb_object_data(ffi.gc(face, harfbuzz.hb_face_destroy))
    try:
        names = TTFont(io.BytesIO(data), lazy=True).getGlyphOrder()
    except Exception:  # not a font fontTools reads: keep WeasyPrint's
        return None
    cids = [0 if n == ".notdef" else int(n[3:]) if n.startswith("cid") and n[3:].isdigit() else -1 for n in names]
    remap = {cid: new for new, cid in enumerate(cids)}
    if -1 in remap or len(remap) != len(cids) or not set(glyphs) <= set(remap):
        return None  # not CID-keyed, or not the glyphs asked for
    return data, remap


def _renumber_font_dictionaries(pdf: pydyf.PDF, fonts: list, remap: dict[int, int]) -> None:
    """The Type0 font's ToUnicode map and its CIDFont's widths, by the new glyph numbers."""
    names = {f.name for f in fonts}
    widths = {remap[g]: w for f in fonts for g, w in f.widths.items()}
    by_reference = {o.reference: o for o in pdf.objects if hasattr(o, "number") and o.number is not None}
    for obj in list(pdf.objects):
        if not (isinstance(obj, pydyf.Dictionary) and obj.get("Subtype") == "/Type0" and obj.get("BaseFont") in names):
            continue
        to_unicode = by_reference[obj["ToUnicode"]]
        to_unicode.stream = [_renumber_cmap_line(line, remap) for line in to_unicode.stream]
        for ref in obj["DescendantFonts"]:
            cid_font = by_reference[ref]
            cid_font["W"] = _widths_array(widths)
            descriptor = by_reference[cid_font["FontDescriptor"]]
            descriptor.pop("CIDSet", None)  # optional (PDF 1.4 only); it would list the old numbers


def _renumber_cmap_line(line, remap: dict[int, int]):
    m = TO_UNICODE_ENTRY.match(line) if isinstance(line, bytes) else None
    return line if m is None else b"<%04x> %s" % (remap[int(m.group(1), 16)], m.group(2))


def _widths_array(widths: dict[int, float]) -> pydyf.Array:
    """The W array as WeasyPrint writes it: runs of consecutive glyph numbers."""
    out = pydyf.Array()
    for g in sorted(widths):
        if g - 1 not in widths:
            out.append(g)
            run = pydyf.Array()
            out.append(run)
        run.append(widths[g])
    return out


def _renumbered_text(ops: list, codes: dict[str, dict[bytes, bytes]]) -> list | None:
    """`ops` with the glyph codes of TJ operators renumbered (`codes`: per font, old 4-hex-digit code to
    new), under the font the last Tf chose (saved and restored by q/Q); None if there is no text to
    renumber. KeyError on a glyph no font lists."""
    font, saved, out, changed = None, [], list(ops), False
    for n, op in enumerate(ops):
        if not isinstance(op, bytes):
            continue
        if op == b"q":
            saved.append(font)
        elif op == b"Q":
            font = saved.pop() if saved else None
        elif op.endswith(b" Tf"):
            font = op.split(b" ", 1)[0][1:].decode()
        elif op.endswith(b"] TJ") and font in codes:
            code = codes[font]
            out[n] = HEX_RUN.sub(lambda m: b"<" + b"".join(
                code[m.group(1)[i:i + 4]] for i in range(0, len(m.group(1)), 4)) + b">", op)
            changed = True
    return out if changed else None
