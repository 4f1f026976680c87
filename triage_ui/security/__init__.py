"""Authentication, sessions, CSRF, rate limiting and security headers (OWASP ASVS 5.0 L2)."""
