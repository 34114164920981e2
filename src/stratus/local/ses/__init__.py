"""SES, in moto (identities, sent mail)."""
