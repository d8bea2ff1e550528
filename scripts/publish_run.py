"""Copy a finished real-data run into reports/, leaving out every dataset face.

    .venv/bin/python scripts/publish_run.py runs/run_all-real-<time>/03_deep reports/03_deep-fer2013-30-epochs

See fer_utils.publish for what is copied and what stays behind.
"""

import argparse
import logging
import sys
from pathlib import Path

from fer_utils.publish import publish_run


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return 0 after publishing, exit with a usage error otherwise."""
    parser = argparse.ArgumentParser(description="Publish one notebook's finished run folder without face images.")
    parser.add_argument("run_dir", type=Path, help="the notebook's run folder, which contains its metrics.json")
    parser.add_argument("report_dir", type=Path, help="new folder to create, such as reports/<notebook>-<dataset>-<epochs>")
    parser.add_argument("--notebook", type=Path,
                        help="the executed notebook, when it is not the only .ipynb file in run_dir")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        written = publish_run(args.run_dir, args.report_dir, args.notebook)
    except (FileNotFoundError, FileExistsError, ValueError) as error:
        parser.error(str(error))
    print("\n".join(str(path) for path in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
