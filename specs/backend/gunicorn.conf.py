# Gunicorn's settings, which stackc reads for its checks: the port nginx
# forwards to and the readiness check asks, the workers, the timeouts.
import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 60
graceful_timeout = 20
accesslog = "-"
