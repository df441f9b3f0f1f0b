#!/usr/bin/env bash
# Create the project virtualenv and install the project with every extra.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: $python is older than Python 3.11 (or missing); install Python 3.11+ and run again" >&2
    exit 1
fi
if ! "$python" -m venv "$venv" 2>/dev/null; then
    # Debian splits venv out of the interpreter package.
    echo "python venv module missing: installing python3-venv" >&2
    apt-get update -qq && apt-get install -y -qq python3-venv
    "$python" -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q -e '.[edge,collector,dev]'
