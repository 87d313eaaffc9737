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

# Only the runtime package: no dev or sandbox extras (no moto, no test tools).
COPY pyproject.toml README.md ./
COPY devops_agent/ ./devops_agent/
COPY entrypoint ./entrypoint
RUN pip install --no-cache-dir /app \
    && chmod 0755 /app/entrypoint

# No USER instruction on purpose: GitHub's docs say Docker actions must run as
# the default Docker user (root). The runner mounts the workspace and the files
# behind GITHUB_OUTPUT and GITHUB_STEP_SUMMARY into the container; another user
# could not write the outputs, the job summary or the report in the workspace.
ENTRYPOINT ["/app/entrypoint"]
