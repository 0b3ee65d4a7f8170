"""Channel.io open API v5 endpoints, one module per resource."""
