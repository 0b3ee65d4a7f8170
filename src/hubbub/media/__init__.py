"""Media: uploaded bytes behind a small blob-store protocol, presigned uploads, signed downloads."""
