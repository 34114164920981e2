"""The pure semantics of AWS event delivery: matching, transforming, scheduling, event shapes.

Nothing here does I/O or keeps state; the events registry of the local cloud calls these
functions to decide what to deliver, when, and in which exact shape.
"""
