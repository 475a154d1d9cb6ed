"""What every process runs on: durable consumers, logs/metrics/health, traces, failure
classification, log watches, HTTP security headers, data-folder ownership, the nats-server
process."""
