"""GX Data Docs made self-contained: they open offline, from a file share, with no network.

GX renders its pages with ~14 scripts and stylesheets from public CDNs (jQuery, Bootstrap,
bootstrap-table, Vega, Font Awesome) and fills its tables from JavaScript. Without network the
pages come out unstyled with empty tables, and with network every opening tells a CDN that someone
is reading a personal-data report. So after GX has built them, every page is rewritten:

- each table that bootstrap-table would fill is rendered as plain HTML from the same data (the
  cells are GX's own escaped HTML; a row with a link path becomes a link);
- every <script> goes (nothing is left that needs it) and every external stylesheet, script, image
  or font reference is removed; a small inline stylesheet replaces Bootstrap's basics;
- links to external web sites lose their href (the text stays).
GX's own local files (static/styles, static/images, static/fonts) stay as they are.
"""
from __future__ import annotations

import ast
import html
import re
from pathlib import Path

TABLE_SCRIPT = re.compile(
    r"\$\('#(?P<id>[^']+)'\)\.bootstrapTable\(\s*Object\.assign\(\s*\{\s*columns: (?P<columns>.*?),\s*"
    r"data: (?P<data>.*?),\s*toolbar: '[^']*'\s*\}", re.S)
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
EXTERNAL_LINK_TAG = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"'](?:https?:)?//[^>]*>", re.I)
EXTERNAL_SRC = re.compile(r"\s(src|srcset|action|data)\s*=\s*([\"'])(?:https?:)?//[^\"']*\2", re.I)
EXTERNAL_HREF = re.compile(r"\shref\s*=\s*([\"'])(?:https?:)?//[^\"']*\1", re.I)
EXTERNAL_CSS_URL = re.compile(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", re.I)
EXTERNAL_IMPORT = re.compile(r"@import\s+(?:url\()?[\"']?(?:https?:)?//[^;]*;", re.I)

STYLE = """<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#212529}
.container-fluid{padding:1rem 2rem}.row{display:flex;flex-wrap:wrap}.col-md-2{flex:0 0 16%}.col-md-10{flex:1}
table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #dee2e6;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f1f3f5}.text-success{color:#2b8a3e}.text-danger{color:#c92a2a}
.collapse:not(.show){display:none}nav,.navbar{background:#f8f9fa;padding:.5rem 1rem}a{color:#1f6feb}
.card{border:1px solid #dee2e6;border-radius:4px;margin:.5rem 0;padding:.5rem}
</style>"""


def _table_html(columns: list[dict], rows: list[dict]) -> str:
    head = "".join(f"<th>{html.escape(str(c.get('title', c.get('field', ''))))}</th>" for c in columns)
    body = []
    for row in rows:
        link = row.get("_table_row_link_path")
        cells = []
        for c in columns:
            cell = str(row.get(c.get("field"), ""))  # GX's rendered (escaped) HTML
            if link and not re.match(r"(?:[a-z]+:)?//", str(link), re.I):
                cell = f'<a href="{html.escape(str(link), quote=True)}">{cell}</a>'
            cells.append(f"<td>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"


def _prerender_tables(page: str) -> str:
    for match in TABLE_SCRIPT.finditer(page):
        try:
            columns = ast.literal_eval(match["columns"])
            rows = ast.literal_eval(match["data"])
        except (ValueError, SyntaxError):
            continue
        table = re.compile(r'(<table\b[^>]*\bid="' + re.escape(match["id"]) + r'"[^>]*>)\s*(</table>)', re.S)
        page = table.sub(lambda m: m.group(1) + _table_html(columns, rows) + m.group(2), page, count=1)
    return page


def self_contained(page: str) -> str:
    """One Data Docs page without any reference to another host."""
    page = _prerender_tables(page)
    page = SCRIPT.sub("", page)
    page = EXTERNAL_LINK_TAG.sub("", page)
    page = EXTERNAL_SRC.sub("", page)
    page = EXTERNAL_HREF.sub("", page)
    page = EXTERNAL_IMPORT.sub("", page)
    page = EXTERNAL_CSS_URL.sub("none", page)
    return page.replace("</head>", STYLE + "</head>", 1)


def make_self_contained(folder: Path) -> int:
    """Rewrite every HTML page under `folder`; returns the number of pages."""
    pages = 0
    for path in Path(folder).rglob("*.html"):
        path.write_text(self_contained(path.read_text(encoding="utf-8")), encoding="utf-8")
        pages += 1
    for path in Path(folder).rglob("*.css"):
        text = path.read_text(encoding="utf-8")
        path.write_text(EXTERNAL_CSS_URL.sub("none", EXTERNAL_IMPORT.sub("", text)), encoding="utf-8")
    return pages
