"""The node kinds every operation is composed of: blockwise, rechunk, tree reduce and sources."""
