"""What every process runs on: durable consumers, logs/metrics/health, traces, failure
classification, log watches, HTTP security headers. (Data-folder ownership and the nats-server
process are ops-only: klachten/stack/.)"""
