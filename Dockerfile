# The devops-agent container action. Releases run the prebuilt, multi-arch image that
# release.yml pushes (action.yml: docker://ghcr.io/OWNER/REPO@sha256:...); `uses: ./` on
# the default branch builds this file. The workspace is mounted at /github/workspace.
FROM python:3.12-slim

# Build-time only: nothing here prompts, and nothing leaks into the runtime env.
ARG DEBIAN_FRONTEND=noninteractive

# No bytecode is written at run time (the container is thrown away after one run);
# it is all compiled at build time instead, below, so imports never compile on start.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Static facts; release.yml adds source, version, revision and created.
LABEL org.opencontainers.image.title="devops-agent" \
      org.opencontainers.image.description="/devops commands and plain-language requests over AWS and GitHub, with plans an authorized person applies" \
      org.opencontainers.image.licenses="MIT"

WORKDIR /app

# 1. The runtime dependencies, exactly as locked: every version pinned and every
#    file checked against its hash (requirements/runtime.txt, compiled from
#    pyproject.toml for Python 3.12 on Linux). No dev or sandbox extras: no moto,
#    no test tools. Then all of site-packages compiled to bytecode, with hashes
#    nobody checks at run time (unchecked-hash): the image never changes, and a
#    rebuilt layer's timestamps cannot make Python recompile on every start.
#    This layer is rebuilt only when the lock changes.
COPY requirements/runtime.txt ./requirements/runtime.txt
RUN pip install --no-cache-dir --no-compile --no-deps --require-hashes -r requirements/runtime.txt \
    && python -m compileall -q -j 0 --invalidation-mode unchecked-hash \
       "$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"

# 2. The package itself, with nothing resolved again (--no-deps), a check that the
#    lock satisfies everything the package declares, its bytecode, and the build
#    leftovers removed. Only devops_agent/: the sandbox (fake GitHub, demo, evals,
#    the scripted model), tests, bench, docs and scripts stay out of the image.
COPY pyproject.toml README.md ./
COPY devops_agent/ ./devops_agent/
COPY entrypoint ./entrypoint
RUN pip install --no-cache-dir --no-compile --no-deps /app \
    && pip check \
    && python -m compileall -q -j 0 --invalidation-mode unchecked-hash \
       "$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/devops_agent" \
    && rm -rf /app/build /app/devops_agent /app/*.egg-info \
    && chmod 0755 /app/entrypoint

# No USER instruction on purpose: GitHub's docs say Docker actions must run as
# the default Docker user (root). The runner mounts the workspace and the files
# behind GITHUB_OUTPUT and GITHUB_STEP_SUMMARY into the container; another user
# could not write the outputs, the job summary or the report in the workspace.
ENTRYPOINT ["/app/entrypoint"]
