"""Message templates: named, localised components with {{n}} placeholders."""
