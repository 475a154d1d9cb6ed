# One image for every klachten service (compose.yaml picks the command per service).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md* ./
COPY shared shared
COPY services services
COPY klachten klachten
COPY config config
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home /app klachten
# Named volumes (compose.yaml) copy this folder's owner: the service user must write them.
RUN mkdir -p /data/mail && chown -R klachten:klachten /data
COPY --from=build /install /usr/local
WORKDIR /app
COPY config config
USER klachten
ENV KLACHTEN_DATA_DIR=/data PYTHONUNBUFFERED=1
ENTRYPOINT []
CMD ["klachten", "--help"]
