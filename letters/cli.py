"""`arrears letters preview`: one letter with made-up data, for checking wording and layout.

    arrears letters preview --template formal_demand --language zh-CN [--delivery registered]
                            [--out preview.pdf] [--templates DIR] [--as-of 2026-11-27]

`pipelines/cli.py` mounts it: `letters_cli.add_arguments(sub)` and `set_defaults(handler=letters_cli.run)`.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

from letters.model import DELIVERY_CLASSES, LANGUAGES, TEMPLATES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="letters_action", required=True)
    preview = actions.add_parser("preview", help="render one sample letter with made-up data")
    preview.add_argument("--template", required=True, choices=TEMPLATES)
    preview.add_argument("--language", required=True, choices=LANGUAGES)
    preview.add_argument("--delivery", default="standard", choices=DELIVERY_CLASSES)
    preview.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 27),
                         help="letter (business) date, default 2026-11-27")
    preview.add_argument("--templates", type=Path, default=None,
                         help="a template folder to try (default: the packaged templates)")
    preview.add_argument("--seq", type=int, default=1, help="which made-up customer (varies name and amounts)")
    preview.add_argument("--out", type=Path, default=None,
                         help="PDF to write (default ./<template>-<language>-preview.pdf)")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "letters_action", "preview") != "preview":
        raise SystemExit(f"unknown letters action {args.letters_action}")
    from letters.render import render_batch
    from letters.sample import sample_letter

    if args.templates is not None and not (args.templates / "locale.yaml").is_file():
        print(f"{args.templates}: not a letter template folder (no locale.yaml); copy letters/templates",
              file=sys.stderr)
        return 64
    letter = sample_letter(args.template, args.language, args.delivery, seq=args.seq, as_of=args.as_of)
    out = args.out or Path(f"{args.template}-{args.language}-preview.pdf")
    with tempfile.TemporaryDirectory() as tmp:
        result = render_batch([letter], tmp, "preview", progress=False, workers=1, duplex=False,
                              templates_dir=args.templates)
        if result.rejected:
            print(f"not printable: {result.rejected[0].reason}", file=sys.stderr)
            return 1
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.pdf, out)
    print(f"{out}  ({result.pages} page{'s' if result.pages != 1 else ''}, {letter.recipient.name}, "
          f"{letter.currency} {letter.amount})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="arrears letters")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
