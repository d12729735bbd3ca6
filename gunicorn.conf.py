"""gunicorn's settings for production (`gunicorn project.wsgi -c gunicorn.conf.py`), and for `make attack`.

The worker timeout is the outer bound of a request. The database's own timeouts are shorter
(DATABASE_LOCK_TIMEOUT 5 s, DATABASE_STATEMENT_TIMEOUT 20 s, project/settings.py), so a request that
waits on the database ends in the API's JSON 503 long before gunicorn would kill its worker.

The request line and header limits are gunicorn's largest, above the app's own (fallbacks.api.middleware:
4,096-character URLs, 8,192-byte header fields), so that the app, which answers in JSON, is the one that
refuses; beyond these gunicorn answers with its own HTML page, which a proxy in front should turn into
JSON (SECURITY.md, "Limits").
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# Threads, so that reads still answer while a few requests wait on the database; gthread with a thread of its own
# for `/health`, so that a load balancer's probe never queues behind busy threads (project/workers.py).
worker_class = "project.workers.ProbeLaneWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 30
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16380
accesslog = "-"
