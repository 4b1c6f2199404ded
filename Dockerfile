# 督导助手 (dudao): the bot with the office's desk in one process (`dudao run --web`), /healthz on the desk's port.
# Small: python:3.11-slim on Debian 12 (bookworm); every dependency installs from a wheel or is pure Python, so no
# compiler; the build stage's venv is copied alone. Runs as the user dudao (uid 10001), never root.
# Build: docker build -t dudao .      Run with PostgreSQL: docker compose up -d (compose.yaml; docs/deploy.md)
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY reminders reminders
COPY templates templates
COPY alembic alembic
RUN python -m venv /opt/dudao \
    && /opt/dudao/bin/pip install --no-cache-dir --disable-pip-version-check . \
    && /opt/dudao/bin/dudao --help > /dev/null

FROM python:3.11-slim-bookworm
# fonts-wqy-microhei: the Chinese font for the documents (通报, 整改通知书, workbooks) made on this machine;
# postgresql-client-15: pg_dump for `dudao backup` on PostgreSQL (15: the server's major version in compose.yaml —
# pg_dump refuses a newer server)
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/dudao --create-home --shell /usr/sbin/nologin dudao \
    && install -d -o dudao -g dudao /var/lib/dudao/data /var/lib/dudao/evidence /var/lib/dudao/backups
COPY --from=build /opt/dudao /opt/dudao
ENV PATH=/opt/dudao/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite+aiosqlite:////var/lib/dudao/data/dudao.db \
    EVIDENCE_DIR=/var/lib/dudao/evidence \
    SPOOL_DIR=/var/lib/dudao/data/spool \
    WEB_LISTEN=0.0.0.0:8080 \
    LOG_FORMAT=json
USER dudao
WORKDIR /var/lib/dudao
VOLUME ["/var/lib/dudao/data", "/var/lib/dudao/evidence", "/var/lib/dudao/backups"]
EXPOSE 8080
# 200 while the database answers and the chat connection is up (or back within a minute); 503 otherwise
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=8)"]
ENTRYPOINT ["dudao"]
CMD ["run", "--web"]
