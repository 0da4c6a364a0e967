"""Inbound authentication (Entra ID access tokens, or the local dev issuer) and
outbound authentication of the gateway to its backends (MSAL)."""
