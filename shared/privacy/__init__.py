"""Personal data: per-complainant keys (keystore), sealing and crypto-shredding (shredding), and
the secrets that let a complainant act without an account (statuslink, replyaddress)."""
