# The devops-agent container action: GitHub builds this image from the action's
# directory and runs it with the workspace mounted at /github/workspace.
FROM python:3.12-slim

# Build-time only: nothing here prompts, and nothing leaks into the runtime env.
ARG DEBIAN_FRONTEND=noninteractive

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# 1. The runtime dependencies, exactly as locked: every version pinned and every
#    file checked against its hash (requirements/runtime.txt, compiled from
#    pyproject.toml for Python 3.12 on Linux). No dev or sandbox extras: no moto,
#    no test tools. This layer is rebuilt only when the lock changes.
COPY requirements/runtime.txt ./requirements/runtime.txt
RUN pip install --no-cache-dir --no-deps --require-hashes -r requirements/runtime.txt

# 2. The package itself, with nothing resolved again (--no-deps), then a check
#    that the lock satisfies everything the package declares. Only devops_agent/:
#    the sandbox (fake GitHub, demo, evals), tests and bench stay out of the image.
COPY pyproject.toml README.md ./
COPY devops_agent/ ./devops_agent/
COPY entrypoint ./entrypoint
RUN pip install --no-cache-dir --no-deps /app \
    && pip check \
    && chmod 0755 /app/entrypoint

# No USER instruction on purpose: GitHub's docs say Docker actions must run as
# the default Docker user (root). The runner mounts the workspace and the files
# behind GITHUB_OUTPUT and GITHUB_STEP_SUMMARY into the container; another user
# could not write the outputs, the job summary or the report in the workspace.
ENTRYPOINT ["/app/entrypoint"]
