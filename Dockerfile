FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
WORKDIR /app
COPY requirements.txt .
# torch is pinned to its CPU build; the index keeps pip from pulling CUDA packages.
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=build DATABASE_URL=postgresql://build@localhost/build python manage.py collectstatic --noinput
RUN useradd --create-home factcheck && mkdir -p /var/lib/factcheck && chown factcheck /var/lib/factcheck
USER factcheck
EXPOSE 8000
