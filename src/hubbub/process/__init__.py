"""A process's background work: the context its loops get and their supervisor (``context``,
a leaf the feature packages may import), and which loops each kind of process runs
(``loops``, which imports the features and which none of them imports)."""
