"""The dialect's routes, one module per resource."""
