"""The export contract (export-format.md): record models, enumerations, timestamps.

The file reader and the stream endpoint validate with the same models; they differ only in
where the raw rows come from.
"""
