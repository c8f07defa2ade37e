redis = { url: ENV.fetch("REDIS_URL") { "redis://redis:6379/1" } }

Sidekiq.configure_server { |config| config.redis = redis }
Sidekiq.configure_client { |config| config.redis = redis }
