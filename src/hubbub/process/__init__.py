"""A process's background work: the context its loops get (``context``, a leaf the feature
packages may import), the supervisor that runs them (``supervisor``), and which loops each
kind of process runs (``loops``, which imports the features; none of them imports it or the
supervisor)."""
