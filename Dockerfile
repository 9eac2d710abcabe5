# Production image: the web app built with Node, served by the Python app.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml setup.py README.md alembic.ini cli.py ./
COPY src/ src/
COPY migrations/ migrations/
# gcc and the SQLite headers build the C fast paths setup.py lists (the export reader, the
# stream's checks, SQLite's timestamp check, the Monte Carlo's walk); gcc is removed after.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev libsqlite3-dev \
    && pip install --no-cache-dir -e . \
    && apt-get purge -y gcc && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home app && mkdir -p /data/uploads && chown app /data /data/uploads
COPY --from=frontend /app/frontend/dist frontend/dist
USER app
ENV DATABASE_URL=sqlite:////data/trading_data.db UPLOAD_DIR=/data/uploads HOST=0.0.0.0 PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health').status != 200)"
CMD ["python", "cli.py", "serve"]
