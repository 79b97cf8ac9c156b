# micc-sim in a container: docker build -t micc-sim . && docker run --rm -p 127.0.0.1:8080:8080 micc-sim
# (docs/container.md). Two stages: the wheel is built in the first, only it and its dependencies are installed in
# the second, which runs as an unprivileged user.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY micc_sim ./micc_sim
COPY contracts ./contracts
COPY scenarios ./scenarios
RUN pip wheel --no-cache-dir --no-deps -w /dist .

FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /dist /dist
RUN pip install /dist/*.whl && rm -rf /dist \
    && useradd --create-home --uid 10001 micc
USER micc
WORKDIR /home/micc
EXPOSE 8080
# The container's port is reached from the host through Docker's bridge, not from loopback: the control API must
# answer off loopback here. Publish the port on the host's loopback only (-p 127.0.0.1:8080:8080).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/_sim/ready', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["micc-sim"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--control-from-anywhere"]
