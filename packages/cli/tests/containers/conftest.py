"""The container lane (marker `containers`): vidpipe's images, built by `scripts/containers.sh
build`, each worker in its own podman container on the host network, against the target that
VIDPIPE_AWS_TARGET chooses (CI: the LocalStack lane, DynamoDB on a moto server of this process).

Collected only when VIDPIPE_CONTAINER_LANE=1 (scripts/test.sh sets it after building the
images): the package's own test target has no images to run.
"""

from __future__ import annotations

import os

if os.environ.get("VIDPIPE_CONTAINER_LANE") != "1":
    collect_ignore_glob = ["test_*.py"]
