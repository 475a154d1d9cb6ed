"""The published contract: event types (events), subject names (subjects), dead-letter headers
(deadletters) and the catalogue generated from them. Other programs read exactly this."""
