"""Channel connectors: one protocol (``base.Connector``) per provider family."""
